import ChiboModel

/// What a resolution of a meeting must hold whatever is stored: its text, a real due date and a
/// known status. Its meeting and owner are references, checked where they are resolved.
public enum ResolutionChecks {
    /// Checks a resolution's values, with paths under `path` (`meeting.resolutions[0]`).
    public static func check(_ resolution: Resolution, path: String, into violations: inout Violations) {
        violations.requireText(resolution.text, path + ".text", maxLength: 2000)
        violations.checkDate(resolution.dueOn, path + ".due_on")
        if resolution.status.protoName == nil { violations.add(path + ".status", "not a resolution status") }
    }
}
