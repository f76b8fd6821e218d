import ChiboImport
import ChiboModel
import ChiboSample
import ChiboSampleFiles
import Foundation
import Testing

/// The sample written as import files reads back through ChiboImport without a single row
/// error, in every format, and the three formats carry the same records.
@Suite struct SampleFilesTests {
    struct Read {
        var items: [ImportItem] = []
        var errors: [RowError] = []
        var summary = ImportSummary()
    }

    static func read(_ path: String, _ entity: ImportEntity) throws -> Read {
        let reader = try ImportReader(source: .file(path: path), options: ImportOptions(entity: entity))
        var read = Read()
        while let event = try reader.next() {
            switch event {
            case .item(let item): read.items.append(item)
            case .error(let error): read.errors.append(error)
            }
        }
        read.summary = reader.summary
        return read
    }

    /// The fields every format carries, for comparing CSV with the messages.
    static func projection(_ record: ImportRecord) -> String {
        func date(_ value: CalendarDate?) -> String { value.map { "\($0.year)-\($0.month)-\($0.day)" } ?? "-" }
        switch record {
        case .orgUnit(let unit):
            return [unit.unit.code, unit.unit.name, "\(unit.unit.kind)", unit.parent.wireValue].joined(separator: "|")
        case .member(let member):
            let value = member.member
            return [
                value.partyCardNumber, value.citizenId, value.fullName, "\(value.gender)", date(value.birthDate),
                date(value.admittedOn), date(value.officialOn), member.cell.wireValue,
            ].joined(separator: "|")
        case .statusEvent(let event):
            return [
                event.member.naturalKey?.description ?? "", "\(event.event.kind)", date(event.event.effectiveOn),
                event.event.decisionRef,
            ].joined(separator: "|")
        case .meeting(let meeting):
            let attendance = zip(meeting.attendees, meeting.meeting.attendance).map { who, record in
                "\(who.partyCardNumber.isEmpty ? who.cardOrCitizenId : who.partyCardNumber):\(record.state)"
            }
            let supervisor = meeting.meeting.guests.first(where: \.isSupervisor)?.fullName ?? "-"
            let fields = [
                meeting.key, meeting.cell.wireValue, date(meeting.meeting.heldOn), "\(meeting.meeting.kind)",
                supervisor,
                meeting.chair.cardOrCitizenId, meeting.recorder.cardOrCitizenId,
            ]
            return (fields + attendance).joined(separator: "|")
        case .resolution(let resolution):
            return [
                resolution.meeting.key, resolution.resolution.text, "\(resolution.resolution.status)",
                resolution.owner.fullName,
            ].joined(separator: "|")
        case .evaluation(let evaluation):
            let subject =
                evaluation.evaluation.subject == .member
                ? evaluation.member.partyCardNumber + evaluation.member.cardOrCitizenId : evaluation.unit.wireValue
            return [subject, "\(evaluation.evaluation.year)", "\(String(describing: evaluation.evaluation.result))"]
                .joined(separator: "|")
        }
    }

    /// The first record two reads disagree on, or nil when they agree.
    static func firstDifference(_ left: [String]?, _ right: [String]?) -> String? {
        let left = left ?? []
        let right = right ?? []
        for (index, (one, other)) in zip(left, right).enumerated() where one != other {
            return "record \(index + 1): \(one) ≠ \(other)"
        }
        return left.count == right.count ? nil : "\(left.count) records ≠ \(right.count)"
    }

    @Test func muongBangFilesReadBackInEveryFormat() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chibo-sample-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dataset = SampleDataset(kind: .muongBang)
        let counts = try SampleFileWriter(directory: directory).write(dataset)
        let planned = dataset.plannedCounts
        #expect(counts.records[.members] == planned.members)
        #expect(counts.records[.orgUnits] == planned.orgUnits)
        #expect(counts.records[.meetings] == planned.meetings)
        #expect(counts.records[.evaluations] == planned.evaluations)
        for entity in SampleFileEntity.allCases {
            let importEntity = try #require(ImportEntity(rawValue: entity.rawValue))
            var projections: [SampleFileFormat: [String]] = [:]
            for format in SampleFileFormat.allCases {
                let read = try Self.read(directory + "/" + entity.fileName(format), importEntity)
                #expect(read.errors.isEmpty, "\(entity.fileName(format)): \(read.errors.prefix(3))")
                #expect(read.items.count == counts.records[entity], "\(entity.fileName(format))")
                #expect(read.summary.isBalanced)
                if format == .csv {
                    #expect(read.summary.rowsRead == counts.csvRows[entity], "\(entity.fileName(format))")
                    // The spreadsheet's row-number column is reported, not refused.
                    let header = try ImportReader(
                        source: .file(path: directory + "/" + entity.fileName(format)),
                        options: ImportOptions(entity: importEntity)
                    ).header
                    #expect(header.ignored.map(\.header) == ["STT"])
                }
                projections[format] = read.items.map { Self.projection($0.record) }
            }
            #expect(Self.firstDifference(projections[.csv], projections[.jsonl]) == nil, "\(entity): CSV, JSON Lines")
            #expect(
                Self.firstDifference(projections[.jsonl], projections[.protobuf]) == nil,
                "\(entity): JSON Lines, protobuf"
            )
            #expect(Self.firstDifference(projections[.csv], projections[.xlsx]) == nil, "\(entity): CSV, .xlsx")
        }
    }
}
