import ChiboImport

/// What the summary needs of an import's refusals — how many, of which kinds, the first few to
/// show — kept as they pass, in memory that does not grow with their number.
struct RefusalTally {
    /// How many refusals the summary shows.
    static let shown = 10

    /// How many refusals passed.
    private(set) var total = 0
    /// How many of each code.
    private(set) var byKind: [String: Int] = [:]
    /// The first `shown` refusals.
    private(set) var first: [Refusal] = []

    /// Counts `refusal`.
    mutating func add(_ refusal: Refusal) {
        total += 1
        byKind[refusal.code, default: 0] += 1
        if first.count < Self.shown { first.append(refusal) }
    }

    /// `bad_date 3, unknown_unit 2`: most frequent first, then by name.
    var kindsLine: String { ErrorKinds.line(counts: byKind) }
}

/// Where an import's refused rows go as they are merged, in row order: the reject file, when one
/// is asked for, a row at a time, and the tally for the summary. A reject file that cannot be
/// written is said once, and the tally goes on.
final class RefusalSink {
    private(set) var tally = RefusalTally()
    /// Why the reject file could not be written, if it could not.
    private(set) var failure: String?
    private var writer: RejectFileWriter?

    /// A sink writing the reject file at `path` (none when nil), quoting the rows of `source`.
    init(rejectFile path: String?, source: ImportSource?, options: ImportOptions, language: ReportLanguage) {
        guard let path else { return }
        do {
            writer = try RejectFileWriter(source: source, options: options, language: language, to: path)
        } catch {
            failure = "\(error)"
        }
    }

    /// Takes `refusal`, after those of earlier rows.
    func add(_ refusal: Refusal) {
        tally.add(refusal)
        guard let writer else { return }
        do {
            try writer.append(refusal)
        } catch {
            failure = "\(error)"
            writer.close()
            self.writer = nil
        }
    }

    /// Closes the reject file.
    func close() {
        writer?.close()
        writer = nil
    }
}
