import ChiboModel

/// One row of an org-changes file, its references as written (codes or names), for the client
/// to turn into the server's own `OrgUnits.Merge`, `Split` and `Move` calls.
public struct OrgChangeRow: Hashable, Sendable {
    /// The file's row number.
    public var row: Int
    /// What the row does.
    public var change: OrgChangeKind
    /// The unit merged or moved; for a split, the new unit's code.
    public var unit: String
    /// Merge: what the units become; split: the unit split; move: the new parent.
    public var target: String
    /// The day the change takes effect.
    public var effectiveOn: CalendarDate
    /// The name of a new unit, when the row makes one.
    public var name: String
    /// The kind of a new unit; unspecified for the kind of the unit it comes from.
    public var kind: OrgUnitKind
    /// For a split: the party card numbers of the members who go to the new unit.
    public var members: [String]
    /// The note.
    public var note: String
}

/// Reads an org-changes file (CSV or .xlsx, as `ImportReader` reads them): the header matched
/// to `ImportColumns.orgChanges`, then each row as an `OrgChangeRow` or a `RowError`.
public final class OrgChangeReader {
    /// What a row gave.
    public enum Event: Hashable, Sendable {
        /// A change to make.
        case change(OrgChangeRow)
        /// A row refused by the file check.
        case error(RowError)
    }

    /// The header analysis.
    public let header: HeaderReport
    private let input: CSVInput

    /// Opens `source` (CSV or .xlsx; `options.entity` is not used).
    public init(source: ImportSource, options: ImportOptions) throws(ImportError) {
        let format = options.format ?? ImportFormat(fileExtensionOf: source.name)
        guard format == .csv || format == .xlsx else {
            throw ImportError(
                code: .badOptions,
                message: "org changes are read from a CSV file or an .xlsx workbook",
                file: source.name
            )
        }
        input = try CSVInput(source: source, columns: ImportColumns.orgChanges, options: options)
        header = input.report
    }

    /// The next row, or nil at the end of the file.
    public func next() throws(ImportError) -> Event? {
        guard let decoded = try input.next() else { return nil }
        var row = input.context(decoded)
        let change = row.choice("change", Vocabularies.orgChangeKind, required: true)
        let unit = row.required("unit", "the unit changed")
        let effectiveOn = row.date("effective_on", required: true)
        var target = ""
        switch change {
        case .merge?: target = row.required("merged_into", "what the units are merged into")
        case .split?: target = row.required("split_from", "the unit split")
        case .move?: target = row.required("moved_to", "the new parent")
        case nil: break
        }
        let kind = row.choice("kind", Vocabularies.orgUnitKind) ?? .unspecified
        let members = row.text("members").split(whereSeparator: { $0 == ";" || $0 == "," || $0 == " " || $0 == "\n" })
            .map(String.init)
        if change == .split, row.text("name").isEmpty {
            row.fail("name", .missingRequired, "is empty; a new unit of a split needs its name")
        }
        guard row.problems.isEmpty, let change, let effectiveOn else { return .error(row.rowError()!) }
        return .change(
            OrgChangeRow(
                row: decoded.row,
                change: change,
                unit: unit,
                target: target,
                effectiveOn: effectiveOn,
                name: row.text("name"),
                kind: kind,
                members: members,
                note: row.text("note")
            )
        )
    }
}
