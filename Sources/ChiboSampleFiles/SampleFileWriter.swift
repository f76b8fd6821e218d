import ChiboCodec
import ChiboImport
import ChiboModel
import ChiboSample
import Foundation

/// How many records and rows each file received.
public struct SampleFileCounts: Hashable, Sendable {
    /// Records written per entity (a meeting with its attendance is one record).
    public var records: [SampleFileEntity: Int] = [:]
    /// CSV data rows per entity (a meeting has a row per attendance record).
    public var csvRows: [SampleFileEntity: Int] = [:]

    /// Nothing written yet.
    public init() {}
}

/// Writes a sample dataset as import files, one per entity and format, in the directory
/// given: what a commune's staff would bring to `chibo-import` (CSV with Vietnamese headers,
/// `dd/MM/yyyy` dates, an `STT` column the importer ignores) and what another system would
/// send (JSON Lines and delimited protobuf, units named by code, members by party card number,
/// meetings by key). Records an import does not carry (supervisor assignments, positions,
/// rule sets) are left to `SampleLoader.completeImport`. Streams: holds one record at a time
/// plus the unit codes and card numbers seen so far.
public struct SampleFileWriter {
    /// Where the files go; it must exist.
    public let directory: String
    /// The formats written.
    public let formats: [SampleFileFormat]

    /// A writer into `directory`.
    public init(directory: String, formats: [SampleFileFormat] = SampleFileFormat.allCases) {
        self.directory = directory
        self.formats = formats
    }

    /// Writes every record of `dataset` and returns the counts.
    public func write(_ dataset: SampleDataset) throws -> SampleFileCounts {
        var sinks: [SampleFileEntity: EntityFiles] = [:]
        for entity in SampleFileEntity.allCases {
            sinks[entity] = try EntityFiles(entity: entity, directory: directory, formats: formats)
        }
        var keys = SampleKeys()
        var counts = SampleFileCounts()
        func emit(_ entity: SampleFileEntity, csv rows: [[String]], message: some ProtoMessage) throws {
            try sinks[entity]!.add(rows: rows, message: message)
            counts.records[entity, default: 0] += 1
            counts.csvRows[entity, default: 0] += rows.count
        }
        for record in dataset {
            switch record {
            case .orgUnit(let unit):
                keys.unitCodes[unit.id] = unit.code
                let files = SampleRows.orgUnit(unit, keys: keys)
                try emit(.orgUnits, csv: files.csv, message: files.message)
            case .member(let member):
                keys.cards[member.id] = member.partyCardNumber
                let files = SampleRows.member(member, keys: keys)
                try emit(.members, csv: files.csv, message: files.message)
                for event in member.events {
                    let eventFiles = SampleRows.statusEvent(event, of: member, keys: keys)
                    try emit(.statusEvents, csv: eventFiles.csv, message: eventFiles.message)
                }
            case .meeting(let meeting):
                let files = SampleRows.meeting(meeting, keys: keys)
                try emit(.meetings, csv: files.csv, message: files.message)
                for resolution in meeting.resolutions {
                    let resolutionFiles = SampleRows.resolution(resolution, of: meeting, keys: keys)
                    try emit(.resolutions, csv: resolutionFiles.csv, message: resolutionFiles.message)
                }
            case .evaluation(let evaluation):
                let files = SampleRows.evaluation(evaluation, keys: keys)
                try emit(.evaluations, csv: files.csv, message: files.message)
            case .supervisor, .ruleSet:
                continue
            }
        }
        for files in sinks.values { try files.close() }
        return counts
    }
}

/// The natural keys of the records written so far: unit codes and party card numbers by the
/// dataset's ids.
struct SampleKeys {
    var unitCodes: [String: String] = [:]
    var cards: [String: String] = [:]

    func code(_ unitID: String) -> String { unitID.isEmpty ? "" : unitCodes[unitID] ?? unitID }
    func card(_ memberID: String) -> String { memberID.isEmpty ? "" : cards[memberID] ?? "" }
}

/// One entity's open files, one per format.
final class EntityFiles {
    private let fields: [String]
    private var csv: BufferedFile?
    private var jsonl: BufferedFile?
    private var protobuf: BufferedFile?
    private var workbook: XLSXWriter?
    private var rowNumber = 0

    init(entity: SampleFileEntity, directory: String, formats: [SampleFileFormat]) throws {
        fields = SampleRows.fields(entity)
        for format in formats {
            if format == .xlsx {
                // A clerk's sheet: a title over the table, a blank row, then the header.
                let writer = try XLSXWriter(path: directory + "/" + entity.fileName(format), sheetName: "Danh sách")
                let headers = ["STT"] + fields.map { SampleRows.header(entity, $0) }
                try writer.append([.text(entity.title)])
                writer.mergeLastRow(columns: 1...headers.count)
                try writer.append([])
                try writer.append(headers.map { .text($0) })
                workbook = writer
                continue
            }
            let file = try BufferedFile(path: directory + "/" + entity.fileName(format))
            switch format {
            case .csv:
                csv = file
                let headers = ["STT"] + fields.map { SampleRows.header(entity, $0) }
                try file.write(CSVLine.encode(headers))
            case .jsonl: jsonl = file
            case .protobuf: protobuf = file
            case .xlsx: break
            }
        }
    }

    func add(rows: [[String]], message: some ProtoMessage) throws {
        if csv != nil || workbook != nil {
            for row in rows {
                rowNumber += 1
                try csv?.write(CSVLine.encode([String(rowNumber)] + row))
                // Dates as Excel dates, the row number as a number, the rest as text.
                try workbook?.append(
                    [.number(Double(rowNumber))]
                        + row.map { cell in XLSXWriter.CalendarDay(text: cell).map { .date($0) } ?? .text(cell) }
                )
            }
        }
        if let jsonl {
            try jsonl.write(message.jsonUTF8())
            try jsonl.write([UInt8(ascii: "\n")])
        }
        if let protobuf {
            let bytes = try message.serializedBytes()
            var length = UInt64(bytes.count)
            var prefix: [UInt8] = []
            repeat {
                let low = UInt8(length & 0x7F)
                length >>= 7
                prefix.append(length == 0 ? low : low | 0x80)
            } while length != 0
            try protobuf.write(prefix)
            try protobuf.write(bytes)
        }
    }

    func close() throws {
        try workbook?.close()
        try csv?.close()
        try jsonl?.close()
        try protobuf?.close()
    }
}

/// One CSV line: fields quoted when they hold a comma, a quote or a line break; CRLF ends it,
/// as spreadsheets write.
enum CSVLine {
    static func encode(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }
}
