import ChiboCodec
import ChiboImport
import ChiboModel
import Testing

/// JSON Lines and varint-delimited protobuf.
@Suite struct MessageFormatTests {
    private func delimited(_ messages: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for message in messages {
            var length = UInt64(message.count)
            repeat {
                let low = UInt8(length & 0x7F)
                length >>= 7
                bytes.append(length == 0 ? low : low | 0x80)
            } while length != 0
            bytes += message
        }
        return bytes
    }

    private let hanh = Member(
        partyCardNumber: "01012345",
        fullName: "Tòng Văn Hạnh",
        gender: .male,
        birthDate: CalendarDate(year: 1979, month: 4, day: 30),
        cellId: "MB-BANBO"
    )

    @Test func readsJSONLines() throws {
        let lines = [
            hanh.jsonString(),
            "",
            #"{"partyCardNumber":"02","fullName":"Lò Văn Minh","gender":"GENDER_MALE"}"#,
            #"{"partyCardNumber":"03","fullName":"Quàng Thị Lan","colour":"đỏ"}"#,
            #"{"fullName":"Không Khóa"}"#,
            #"{"partyCardNumber":"05","fullName":"Ha\#u{0323}nh"}"#,
            "{not json",
        ]
        let result = try read(
            .bytes(name: "dang-vien.jsonl", Array(lines.joined(separator: "\r\n").utf8)),
            ImportOptions(entity: .members)
        )
        #expect(result.header.format == .jsonLines)
        #expect(result.members.map(\.member.fullName) == ["Tòng Văn Hạnh", "Lò Văn Minh", "Hạnh"])
        #expect(result.members[0].cell == UnitRef(codeOrName: "MB-BANBO"))
        #expect(result.members[0].member.cellId.isEmpty)
        #expect(result.items.map(\.rows) == [[1], [3], [6]])
        #expect(result.errors.map(\.row) == [4, 5, 7])
        #expect(result.errors.map(\.code) == [.decodeFailed, .missingRequired, .decodeFailed])
        #expect(result.errors[0].column?.contains("colour") == true)
        #expect(result.errors[0].offset != nil)
        #expect(result.errors[2].offset != nil)
        #expect(result.summary.blankRows == 1)
    }

    @Test func aTooLongLineIsARowErrorAndTheNextLineIsRead() throws {
        var options = ImportOptions(entity: .members)
        options.maxRecordBytes = 300
        options.chunkSize = 64
        let long = #"{"partyCardNumber":"02","note":""# + String(repeating: "x", count: 1000) + #""}"#
        let text = [hanh.jsonString(), long, hanh.jsonString()].joined(separator: "\n")
        let result = try read(.bytes(name: "m.jsonl", Array(text.utf8)), options)
        #expect(result.members.count == 2)
        #expect(result.errors.map(\.code) == [.tooLarge])
        #expect(result.errors.first?.row == 2)
        #expect(result.peakBufferedBytes < 600)
    }

    @Test func readsMeetingsStatusEventsAndEvaluationsFromJSONLines() throws {
        let meeting = Meeting(
            id: "BB-03",
            cellId: "MB-BANBO",
            heldOn: CalendarDate(year: 2026, month: 3, day: 3),
            kind: .regular,
            chairMemberId: "02",
            attendance: [
                AttendanceRecord(memberId: "01012345", state: .present, fullName: "Tòng Văn Hạnh"),
                AttendanceRecord(memberId: "014079001234", state: .absentExcused, reason: "ốm"),
            ]
        )
        let meetings = try read(
            .bytes(name: "m.ndjson", Array(meeting.jsonString().utf8)),
            ImportOptions(entity: .meetings)
        )
        let imported = try #require(meetings.meetings.first)
        #expect(imported.key == "BB-03")
        #expect(imported.cell == UnitRef(codeOrName: "MB-BANBO"))
        #expect(
            imported.attendees.map(\.naturalKey) == [.cardOrCitizenId("01012345"), .cardOrCitizenId("014079001234")]
        )
        #expect(imported.meeting.attendance.allSatisfy { $0.memberId.isEmpty })
        #expect(imported.chair.naturalKey == .cardOrCitizenId("02"))

        let event = Member(
            partyCardNumber: "01012345",
            events: [
                StatusEvent(
                    kind: .workingAway,
                    effectiveOn: CalendarDate(year: 2024, month: 3, day: 1),
                    place: "Bình Dương"
                )
            ]
        )
        let twoEvents = Member(partyCardNumber: "02", events: event.events + event.events)
        let events = try read(
            .bytes(name: "e.jsonl", Array((event.jsonString() + "\n" + twoEvents.jsonString()).utf8)),
            ImportOptions(entity: .statusEvents)
        )
        #expect(events.records.count == 1)
        #expect(events.errors.map(\.column) == ["events"])

        let evaluation = Evaluation(
            subject: .member,
            subjectId: "01012345",
            year: 2025,
            cellId: "MB-BANBO",
            result: .grade(.good)
        )
        let evaluations = try read(
            .bytes(name: "v.jsonl", Array(evaluation.jsonString().utf8)),
            ImportOptions(entity: .evaluations)
        )
        guard case .evaluation(let value) = evaluations.records.first else {
            Issue.record("no evaluation")
            return
        }
        #expect(value.member.naturalKey == .cardOrCitizenId("01012345"))
        #expect(value.cell == UnitRef(codeOrName: "MB-BANBO"))
    }

    @Test func readsDelimitedProtobuf() throws {
        var decomposed = hanh
        decomposed.partyCardNumber = "02"
        decomposed.fullName = "Lò Văn Ha\u{0323}nh"
        let noKey = Member(fullName: "Không Khóa")
        let messages = [try hanh.serializedBytes(), try decomposed.serializedBytes(), try noKey.serializedBytes()]
        let bytes = delimited(messages)
        let result = try read(.bytes(name: "dang-vien.binpb", bytes), ImportOptions(entity: .members))
        #expect(result.header.format == .delimitedProtobuf)
        #expect(result.members.map(\.member.fullName) == ["Tòng Văn Hạnh", "Lò Văn Hạnh"])
        #expect(result.errors.map(\.row) == [3])
        #expect(result.errors.first?.code == .missingRequired)
    }

    @Test func aBadMessageNamesItsByteOffsetAndTheReadingGoesOn() throws {
        var bad = try Member(partyCardNumber: "02", fullName: "Lò Văn Minh").serializedBytes()
        let nameStart = bad.firstIndex(of: UInt8(ascii: "L"))!
        bad[nameStart] = 0xFF
        let first = try hanh.serializedBytes()
        let bytes = delimited([first, bad, first])
        let result = try read(.bytes(name: "x.pb", bytes), ImportOptions(entity: .members))
        #expect(result.members.count == 2)
        let error = try #require(result.errors.first)
        #expect(error.row == 2)
        #expect(error.code == .decodeFailed)
        #expect(error.offset == 1 + first.count + 1 + nameStart)
    }

    @Test func aTooLargeMessageIsSkipped() throws {
        let first = try hanh.serializedBytes()
        let big = try Member(partyCardNumber: "02", fullName: String(repeating: "a", count: 5000)).serializedBytes()
        var options = ImportOptions(entity: .members)
        options.maxRecordBytes = 1000
        let result = try read(.bytes(name: "x.pb", delimited([first, big, first])), options)
        #expect(result.members.count == 2)
        #expect(result.errors.map(\.code) == [.tooLarge])
    }

    @Test func aCutMessageStopsTheImport() throws {
        let first = try hanh.serializedBytes()
        let bytes = delimited([first, first]).dropLast(3)
        let reader = try ImportReader(
            source: .bytes(name: "x.pb", Array(bytes)),
            options: ImportOptions(entity: .members)
        )
        #expect(try reader.next() != nil)
        let error = importError { _ = try reader.next() }
        #expect(error?.code == .malformed)
        #expect(error?.offset == 1 + first.count)
    }

    @Test func theFormatComesFromTheExtensionOrTheOption() throws {
        #expect(ImportFormat(fileExtensionOf: "a/b.CSV") == .csv)
        #expect(ImportFormat(fileExtensionOf: "x.ndjson") == .jsonLines)
        #expect(ImportFormat(fileExtensionOf: "x.delimited") == .delimitedProtobuf)
        #expect(ImportFormat(fileExtensionOf: "x.xlsx") == .xlsx)
        #expect(ImportFormat(fileExtensionOf: "x.ods") == nil)
        let unknown = importError { _ = try read(.bytes(name: "x.ods", []), ImportOptions(entity: .members)) }
        #expect(unknown?.code == .badOptions)
        let forced = try read(
            .bytes(name: "x.dat", Array(hanh.jsonString().utf8)),
            ImportOptions(entity: .members, format: .jsonLines)
        )
        #expect(forced.members.count == 1)
    }
}
