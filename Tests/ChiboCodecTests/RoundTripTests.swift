import ChiboModel
import PropertyBased
import Testing

@testable import ChiboCodec

/// Every message type survives binary and JSON round trips, whatever its field values.
@Suite struct RoundTripTests {
    @Test("binary round trip", arguments: MessageType.all)
    func binaryRoundTrip(_ messageType: MessageType) async throws {
        try await checkBinary(messageType.type)
    }

    @Test("JSON round trip", arguments: MessageType.all)
    func jsonRoundTrip(_ messageType: MessageType) async throws {
        try await checkJSON(messageType.type)
    }

    @Test("every field set survives both encodings", arguments: MessageType.all)
    func fullyPopulatedRoundTrip(_ messageType: MessageType) throws {
        try checkFull(messageType.type)
    }

    private func generator<T: RandomMessage>(_ type: T.Type) -> Generator<T, Shrink.None<T>> {
        Generator { rng in T.random(using: &rng, full: false, depth: 0) }
    }

    private func checkBinary<T: RandomMessage>(_ type: T.Type) async throws {
        await propertyCheck(count: 60, input: generator(type)) { message in
            let bytes = try message.serializedBytes()
            let decoded = try T(serializedBytes: bytes)
            #expect(decoded == message)
            #expect(try decoded.serializedBytes() == bytes, "re-encoding is byte-identical")
        }
    }

    private func checkJSON<T: RandomMessage>(_ type: T.Type) async throws {
        await propertyCheck(count: 60, input: generator(type)) { message in
            let json = message.jsonString()
            let decoded = try T(jsonString: json)
            #expect(decoded == message, "\(json)")
            #expect(decoded.jsonString() == json, "re-encoding is identical")
        }
    }

    private func checkFull<T: RandomMessage>(_ type: T.Type) throws {
        var rng = SplitMix64(seed: 42)
        for message in T.fullyPopulated(using: &rng) {
            #expect(try T(serializedBytes: message.serializedBytes()) == message)
            #expect(try T(jsonString: message.jsonString()) == message)
            let fieldCount = (T.self as? any CDescribedMessage.Type)?.cDescriptor.pointee.n_fields ?? 0
            #expect((message != T()) == (fieldCount > 0), "a fully populated message differs from the empty one")
        }
    }

    @Test func emptyMessagesEncodeToNothing() throws {
        #expect(try Member().serializedBytes().isEmpty)
        #expect(Member().jsonString() == "{}")
        #expect(try Member(serializedBytes: [UInt8]()) == Member())
    }

    @Test func unknownEnumNumbersSurvive() throws {
        let member = Member(status: MemberStatus(rawValue: 77))
        let decoded = try Member(serializedBytes: member.serializedBytes())
        #expect(decoded.status.rawValue == 77)
        #expect(decoded.status.protoName == nil)
        #expect(member.jsonString() == #"{"status":77}"#)
        #expect(try Member(jsonString: #"{"status":77}"#).status.rawValue == 77)
    }

    @Test func oneofPresenceIsKeptEvenForDefaultValues() throws {
        let meeting = Meeting(quality: .qualityScore(0))
        let decoded = try Meeting(serializedBytes: meeting.serializedBytes())
        #expect(decoded.quality == .qualityScore(0))
        #expect(meeting.jsonString() == #"{"qualityScore":0}"#)
        #expect(try Meeting(jsonString: #"{"qualityScore":0}"#).quality == .qualityScore(0))
    }

    @Test func canonicalJSONShape() throws {
        let member = Member(
            id: "m-1",
            fullName: "Tòng Văn Hạnh",
            gender: .male,
            birthDate: CalendarDate(year: 1980, month: 3, day: 3),
            events: [StatusEvent(kind: .admitted, effectiveOn: CalendarDate(year: 2010, month: 5, day: 19))],
            meta: RecordMeta(revision: 9_007_199_254_740_993)
        )
        let json = member.jsonString()
        #expect(
            json
                == #"{"id":"m-1","fullName":"Tòng Văn Hạnh","gender":"GENDER_MALE","birthDate":{"year":1980,"month":3,"day":3},"#
                + #""events":[{"kind":"STATUS_EVENT_KIND_ADMITTED","effectiveOn":{"year":2010,"month":5,"day":19}}],"#
                + #""meta":{"revision":"9007199254740993"}}"#
        )
        let snake = #"{"full_name":"Tòng Văn Hạnh","gender":1,"meta":{"revision":9007199254740993}}"#
        let parsed = try Member(jsonString: snake)
        #expect(parsed.fullName == "Tòng Văn Hạnh")
        #expect(parsed.gender == .male)
        #expect(parsed.meta?.revision == 9_007_199_254_740_993)
    }
}
