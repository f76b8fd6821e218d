/// What a token may do, within its org subtree.
public enum Role: String, CaseIterable, Sendable {
    /// Everything, everywhere.
    case admin
    /// Read and write the subtree.
    case officer
    /// Read their cell; record and amend its meetings, attendance and resolutions.
    case secretary
    /// Read the subtree.
    case viewer
    /// Read the audit log.
    case auditor

    /// Whether the role may see personal data (citizen ID, phone, birth date).
    public var seesPersonalData: Bool { self == .admin || self == .officer }
}
