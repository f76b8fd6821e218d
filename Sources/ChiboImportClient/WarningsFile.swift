import ChiboImport

/// The reject file's companion: the rows imported with a warning (a cell converted from TCVN3, a
/// value that disagrees with what Chibo derives and stores), one line each with the row, the
/// column as the file's header names it, the file's value, Chibo's value and what happened. CSV
/// in UTF-8 with a byte order mark and CRLF, which Excel opens as it is; mode 0600.
public enum WarningsFile {
    /// The companion's path: `rejects.csv` gives `rejects-warnings.csv`.
    public static func path(besides rejectFile: String) -> String {
        let lower = rejectFile.lowercased()
        for suffix in [".csv", ".tsv", ".txt"] where lower.hasSuffix(suffix) {
            return String(rejectFile.dropLast(suffix.count)) + "-warnings.csv"
        }
        return rejectFile + "-warnings.csv"
    }

    /// Writes `warnings` beside `rejectFile` (an empty file with its header when there are none,
    /// so that an old one does not linger).
    public static func write(_ warnings: [RowWarning], language: ReportLanguage, besides rejectFile: String) throws {
        let out = try PrivateFile(path: path(besides: rejectFile))
        defer { out.close() }
        var text = "\u{FEFF}" + line(language.warningHeaders)
        for warning in warnings {
            text += line([String(warning.row), warning.column, warning.fileValue, warning.chiboValue, warning.message])
        }
        try out.write(text)
    }

    private static func line(_ fields: [String]) -> String {
        RejectFile.csvLine(fields).dropLast() + "\r\n"
    }
}
