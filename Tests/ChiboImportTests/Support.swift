import ChiboImport
import Foundation
import Testing

/// Reads a whole source and returns the header, every event and the summary.
struct ReadResult {
    var header: HeaderReport
    var attendanceHeader: HeaderReport?
    var events: [ImportEvent]
    var summary: ImportSummary
    var peakBufferedBytes: Int

    var items: [ImportItem] {
        events.compactMap { if case .item(let item) = $0 { item } else { nil } }
    }

    var errors: [RowError] {
        events.compactMap { if case .error(let error) = $0 { error } else { nil } }
    }

    var records: [ImportRecord] { items.map(\.record) }

    var members: [ImportedMember] {
        records.compactMap { if case .member(let value) = $0 { value } else { nil } }
    }

    var meetings: [ImportedMeeting] {
        records.compactMap { if case .meeting(let value) = $0 { value } else { nil } }
    }
}

func read(_ source: ImportSource, _ options: ImportOptions) throws -> ReadResult {
    let reader = try ImportReader(source: source, options: options)
    var events: [ImportEvent] = []
    while let event = try reader.next() { events.append(event) }
    let summary = reader.summary
    #expect(summary.isBalanced, "\(summary)")
    return ReadResult(
        header: reader.header,
        attendanceHeader: reader.attendanceHeader,
        events: events,
        summary: summary,
        peakBufferedBytes: reader.peakBufferedBytes
    )
}

/// Reads CSV text (UTF-8) as `entity`.
func readCSV(
    _ text: String,
    _ entity: ImportEntity,
    name: String = "test.csv",
    configure: (inout ImportOptions) -> Void = { _ in }
) throws -> ReadResult {
    var options = ImportOptions(entity: entity)
    configure(&options)
    return try read(.bytes(name: name, Array(text.utf8)), options)
}

/// The error thrown by `body`, as an ImportError.
func importError(_ body: () throws -> Void) -> ImportError? {
    do {
        try body()
        return nil
    } catch let error as ImportError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-import-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The repository's root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
