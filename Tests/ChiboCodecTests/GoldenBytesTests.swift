import ChiboCodec
import ChiboModel
import Foundation
import Testing

/// ChiboCodec's bytes are compared with what `protoc --encode` makes of the same message.
@Suite struct GoldenBytesTests {
    private func protocEncode(_ typeName: String, textFormat: Data) throws -> [UInt8] {
        let outcome = try ExternalTools.protoc(["--encode=" + typeName], input: textFormat)
        #expect(outcome.status == 0, "protoc --encode failed: \(outcome.stderr)")
        return [UInt8](outcome.stdout)
    }

    private func golden(_ name: String) throws -> Data {
        try Data(contentsOf: ExternalTools.projectRoot.appendingPathComponent("Tests/golden/\(name).txtpb"))
    }

    @Test func memberMatchesProtoc() throws {
        let member = Member(
            id: "m-0042",
            partyCardNumber: "91.012345",
            fullName: "Tòng Văn Hạnh",
            familyName: "Tòng",
            middleName: "Văn",
            givenName: "Hạnh",
            gender: .male,
            birthDate: CalendarDate(year: 1979, month: 4, day: 30),
            ethnicity: "Thái",
            admittedOn: CalendarDate(year: 2005, month: 5, day: 19),
            officialOn: CalendarDate(year: 2006, month: 5, day: 19),
            cellId: "cb-ban-bo",
            positions: [
                Position(
                    kind: .secretary,
                    unitId: "cb-ban-bo",
                    valid: DateRange(from: CalendarDate(year: 2020, month: 8, day: 1))
                )
            ],
            events: [
                StatusEvent(
                    kind: .admitted,
                    effectiveOn: CalendarDate(year: 2005, month: 5, day: 19),
                    decisionRef: "QĐ 12-QĐ/HU"
                ),
                StatusEvent(kind: .madeOfficial, effectiveOn: CalendarDate(year: 2006, month: 5, day: 19)),
            ],
            status: .official,
            meta: RecordMeta(revision: 9_007_199_254_740_993, createdAtMs: -1)
        )
        let expected = try protocEncode("chibo.v1.Member", textFormat: golden("member"))
        #expect(try member.serializedBytes() == expected)
        #expect(try Member(serializedBytes: expected) == member)
    }

    @Test func meetingMatchesProtoc() throws {
        let meeting = Meeting(
            id: "mt-2025-11",
            cellId: "cb-ban-bo",
            heldOn: CalendarDate(year: 2025, month: 11, day: 3),
            startMinute: 450,
            endMinute: 570,
            kind: .regular,
            agenda: [AgendaItem(number: 1, title: "Kiểm điểm nghị quyết tháng 10")],
            attendance: [
                AttendanceRecord(memberId: "m-0042", state: .present, category: .official, spoke: true),
                AttendanceRecord(
                    memberId: "m-0043",
                    state: .absentExcused,
                    reason: "đi làm ăn xa",
                    category: MemberCategory(rawValue: 999)
                ),
            ],
            minutes: "Đồng chí bí thư quán triệt…\nTab\there \"quoted\"",
            resolutions: [
                Resolution(
                    text: "Hoàn thành thu hoạch lúa",
                    ownerMemberId: "m-0042",
                    dueOn: CalendarDate(year: 2025, month: 12, day: 1),
                    status: .open
                )
            ],
            quality: .qualityScore(0)
        )
        let expected = try protocEncode("chibo.v1.Meeting", textFormat: golden("meeting"))
        #expect(try meeting.serializedBytes() == expected)
        #expect(try Meeting(serializedBytes: expected) == meeting)
    }

    /// For every message type: Swift's bytes, decoded by protoc to text and encoded again by
    /// protoc, come back byte for byte.
    @Test("protoc re-encodes Swift's bytes identically", arguments: MessageType.all)
    func protocRoundTrip(_ messageType: MessageType) throws {
        try check(messageType.type)
    }

    private func check<T: RandomMessage>(_ type: T.Type) throws {
        var rng = SplitMix64(seed: 7)
        let message = T.fullyPopulated(using: &rng)[0]
        let bytes = try message.serializedBytes()
        let decoded = try ExternalTools.protoc(["--decode=" + T.protoMessageName], input: Data(bytes))
        #expect(decoded.status == 0, "protoc --decode failed: \(decoded.stderr)")
        let reencoded = try protocEncode(T.protoMessageName, textFormat: decoded.stdout)
        #expect(reencoded == bytes, "text format: \(String(decoding: decoded.stdout, as: UTF8.self))")
    }
}
