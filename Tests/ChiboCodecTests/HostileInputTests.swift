import ChiboCodec
import ChiboModel
import Testing

/// Malformed and hostile binary input gives a `CodecError` naming the type, and where known the
/// field and byte offset; it never crashes, hangs or allocates without bound.
@Suite struct HostileBinaryInputTests {
    private func decodeError<T: ProtoMessage>(
        _ type: T.Type,
        _ bytes: [UInt8],
        limits: DecodingLimits = .default
    ) -> CodecError? {
        do {
            _ = try T(serializedBytes: bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    private func fullMeetingBytes() throws -> [UInt8] {
        var rng = SplitMix64(seed: 11)
        return try Meeting.fullyPopulated(using: &rng)[0].serializedBytes()
    }

    @Test func everyTruncationIsRejectedOrAValidPrefix() throws {
        let bytes = try fullMeetingBytes()
        var rejected = 0
        for length in 0..<bytes.count {
            let prefix = Array(bytes[..<length])
            if let error = decodeError(Meeting.self, prefix) {
                rejected += 1
                #expect(error.messageType == "chibo.v1.Meeting")
                #expect(error.code == .malformed)
                #expect((error.offset ?? -1) >= 0 && (error.offset ?? .max) <= length, "\(error)")
            }
        }
        // Most cuts fall inside a field; only cuts at field boundaries decode.
        #expect(rejected > bytes.count / 2)
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 99)
        for type in MessageRegistry.allTypes {
            for _ in 0..<200 {
                let count = Int.random(in: 0...64, using: &rng)
                let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if let error = decodeError(type, bytes) {
                    #expect(error.messageType == type.protoMessageName)
                }
            }
        }
    }

    @Test func lengthPastTheEndNamesFieldAndOffset() throws {
        // Member.full_name (field 4) claims 4,294,967,295 bytes.
        let bytes: [UInt8] = [0x22, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x41]
        let error = try #require(decodeError(Member.self, bytes))
        #expect(error.code == .malformed)
        #expect(error.field == "full_name")
        #expect(error.offset == 1)
    }

    @Test func overlongVarintIsRejected() throws {
        let bytes: [UInt8] = [0x40] + Array(repeating: 0xFF, count: 11) + [0x01]
        let error = try #require(decodeError(Member.self, bytes))
        #expect(error.code == .malformed)
        #expect(error.offset == 1)
    }

    @Test func invalidUTF8IsReportedAtItsByte() throws {
        // Member.full_name = "Ab" + 0xC3 0x28 (a lead byte followed by ASCII).
        let bytes: [UInt8] = [0x0A, 0x02, 0x6D, 0x31, 0x22, 0x04, 0x41, 0x62, 0xC3, 0x28]
        let error = try #require(decodeError(Member.self, bytes))
        #expect(error.code == .invalidUTF8)
        #expect(error.field == "full_name")
        #expect(error.offset == 8)
    }

    @Test func invalidUTF8IsFoundEvenInAnOccurrenceLaterOverwritten() throws {
        // full_name sent twice: first invalid (C3 28), then "A". libprotobuf-c keeps only "A".
        let error = try #require(decodeError(Member.self, [0x22, 0x02, 0xC3, 0x28, 0x22, 0x01, 0x41]))
        #expect(error.code == .invalidUTF8)
        #expect(error.offset == 2)
        // The same inside a sub-message: one status event whose place is sent twice.
        let event: [UInt8] = [0x2A, 0x02, 0xC3, 0x28, 0x2A, 0x01, 0x41]
        let nested = try #require(decodeError(Member.self, [0x8A, 0x01, UInt8(event.count)] + event))
        #expect(nested.code == .invalidUTF8)
        // Valid text sent twice still decodes, keeping the last value as the specification says.
        #expect(try Member(serializedBytes: [0x22, 0x01, 0x42, 0x22, 0x01, 0x41]).fullName == "A")
    }

    @Test func embeddedNULCannotAliasAnotherID() throws {
        // Member.id = "M1\0x": protobuf-c alone would silently decode "M1".
        let bytes: [UInt8] = [0x0A, 0x04, 0x4D, 0x31, 0x00, 0x78]
        let error = try #require(decodeError(Member.self, bytes))
        #expect(error.code == .embeddedNUL)
        #expect(error.field == "id")
        #expect(error.offset == 4)
    }

    @Test func nestedFaultsNameTheFieldPath() throws {
        var meeting = Meeting(id: "mt", attendance: [AttendanceRecord(memberId: "m1", reason: "ốm")])
        meeting.minutes = "x"
        var bytes = try meeting.serializedBytes()
        // Corrupt the first byte of "ốm" (0xE1) into a lone continuation byte.
        let index = try #require(bytes.firstIndex(of: 0xE1))
        bytes[index] = 0x80
        let error = try #require(decodeError(Meeting.self, bytes))
        #expect(error.code == .invalidUTF8)
        #expect(error.field == "attendance.reason")
        #expect(error.offset == index)
    }

    @Test func wrongWireTypeForAKnownFieldIsRejected() throws {
        // Member.gender (field 8, an enum) sent as a length-delimited field.
        let error = try #require(decodeError(Member.self, [0x42, 0x01, 0x01]))
        #expect(error.code == .malformed)
        #expect(error.field == "gender")
        #expect(error.offset == 0)
    }

    @Test func groupsAndInvalidWireTypesAreRejected() throws {
        for tag: UInt8 in [0x0B, 0x0C, 0x0E, 0x0F] {
            let error = try #require(decodeError(Member.self, [tag, 0x00]))
            #expect(error.code == .malformed)
            #expect(error.offset == 0)
        }
        let zero = try #require(decodeError(Member.self, [0x00, 0x00]))
        #expect(zero.code == .malformed)
    }

    @Test func unknownFieldsAreSkipped() throws {
        // Field 100 (varint) and field 101 (length-delimited) are not in Member.
        let bytes: [UInt8] = [0xA0, 0x06, 0x01, 0xAA, 0x06, 0x02, 0x41, 0x42, 0x0A, 0x01, 0x61]
        #expect(try Member(serializedBytes: bytes).id == "a")
    }

    @Test func oversizedInputIsRejectedBeforeUnpacking() throws {
        let bytes = [UInt8](repeating: 0, count: 1025)
        let error = try #require(decodeError(Member.self, bytes, limits: DecodingLimits(maxMessageBytes: 1024)))
        #expect(error.code == .tooLarge)
    }

    @Test func hugeRepeatedCountsHitTheAllocationBudget() throws {
        // One MiB of empty attendance records (field 13, length 0): 524,288 records, each a
        // struct and a pointer for libprotobuf-c, some 36 bytes of memory per input byte.
        let empty: [UInt8] = [0x6A, 0x00]
        let emptyRecords = Array([[UInt8]](repeating: empty, count: 1 << 19).joined())
        let error = decodeError(Meeting.self, emptyRecords, limits: DecodingLimits(allocationPerInputByte: 16))
        #expect(error?.code == .allocationBudgetExceeded)
        #expect(error?.messageType == "chibo.v1.Meeting")
        // Records that carry a member id cost far less per input byte and fit the default budget.
        let named: [UInt8] = [0x6A, 0x04, 0x0A, 0x02, 0x6D, 0x31]
        let namedRecords = Array([[UInt8]](repeating: named, count: 1 << 16).joined())
        #expect(try Meeting(serializedBytes: namedRecords).attendance.count == 1 << 16)
    }
}

/// Encoding refuses what libprotobuf-c would silently cut.
@Suite struct EncodeRejectionTests {
    @Test func stringsWithNULAreRejected() throws {
        let member = Member(id: "M1\u{0}x")
        let error = try #require(throws: CodecError.self) { try member.serializedBytes() }
        #expect(error.code == .embeddedNUL)
        #expect(error.field == "Member.id")
    }

    @Test func nestedStringsWithNULAreRejected() throws {
        let meeting = Meeting(attendance: [AttendanceRecord(memberId: "ok"), AttendanceRecord(reason: "a\u{0}")])
        let error = try #require(throws: CodecError.self) { try meeting.serializedBytes() }
        #expect(error.code == .embeddedNUL)
        #expect(error.field == "AttendanceRecord.reason")
    }
}

/// Malformed proto3 JSON gives a `CodecError` with the field path and byte offset.
@Suite struct HostileJSONInputTests {
    private func jsonError<T: ProtoMessage>(
        _ type: T.Type,
        _ text: String,
        options: JSONDecodingOptions = .init()
    ) -> CodecError? {
        do {
            _ = try T(jsonString: text, options: options)
            return nil
        } catch {
            return error
        }
    }

    @Test func syntaxErrorsGiveTheOffset() throws {
        let error = try #require(jsonError(Member.self, #"{"id": "a",, }"#))
        #expect(error.code == .invalidJSON)
        #expect(error.offset == 11)
        #expect(error.messageType == "chibo.v1.Member")
        for text in [
            "", "{", "[]", "null", #"{"id": "a"} x"#, #"{"id": 'a'}"#, #"{"id": "a\q"}"#, "{\"id\": \"a\tb\"}",
        ] {
            #expect(jsonError(Member.self, text) != nil, "\(text)")
        }
    }

    @Test func wrongTypesNameTheFieldPath() throws {
        let error = try #require(jsonError(Meeting.self, #"{"attendance": [{"memberId": "m1"}, {"spoke": "yes"}]}"#))
        #expect(error.code == .invalidValue)
        #expect(error.field == "attendance[1].spoke")
        #expect(error.offset == 46)
    }

    @Test func unknownFieldsAreErrorsUnlessIgnored() throws {
        let error = try #require(jsonError(Member.self, #"{"id": "a", "nickname": "b"}"#))
        #expect(error.code == .unknownField)
        #expect(error.field == "nickname")
        let lenient = JSONDecodingOptions(ignoreUnknownFields: true)
        #expect(try Member(jsonString: #"{"id": "a", "nickname": {"x": [1]}}"#, options: lenient).id == "a")
    }

    @Test func duplicateFieldsAndOneofMembersAreRejected() throws {
        let twice = try #require(jsonError(Member.self, #"{"fullName": "a", "full_name": "b"}"#))
        #expect(twice.code == .duplicateField)
        let oneof = try #require(jsonError(Evaluation.self, #"{"grade": "GRADE_GOOD", "score": 91.5}"#))
        #expect(oneof.code == .duplicateField)
        #expect(oneof.field == "score")
    }

    @Test func integersAreCheckedForRangeAndFraction() throws {
        #expect(jsonError(CalendarDate.self, #"{"year": 2147483648}"#)?.code == .invalidValue)
        #expect(jsonError(CalendarDate.self, #"{"year": 1.5}"#)?.code == .invalidValue)
        #expect(jsonError(RecordMeta.self, #"{"revision": "9223372036854775808"}"#)?.code == .invalidValue)
        #expect(jsonError(RecordMeta.self, #"{"revision": "12abc"}"#)?.code == .invalidValue)
        #expect(
            try CalendarDate(jsonString: #"{"year": 2.025e3, "month": "11"}"#) == CalendarDate(year: 2025, month: 11)
        )
        #expect(try RecordMeta(jsonString: #"{"revision": "-9223372036854775808"}"#).revision == .min)
    }

    @Test func enumNamesMustBeKnown() throws {
        let error = try #require(jsonError(Member.self, #"{"gender": "GENDER_OTHER"}"#))
        #expect(error.code == .invalidValue)
        #expect(error.field == "gender")
    }

    @Test func stringsMustBeValidUnicodeWithoutNUL() throws {
        #expect(jsonError(Member.self, #"{"id": "\ud800"}"#)?.code == .invalidUTF8)
        #expect(jsonError(Member.self, #"{"id": "\udc00x"}"#)?.code == .invalidUTF8)
        let nul = try #require(jsonError(Member.self, #"{"id": "M1\u0000x"}"#))
        #expect(nul.code == .embeddedNUL)
        #expect(nul.offset == 10)
        let badUTF8: [UInt8] = Array(#"{"id": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        let error = try #require(throws: CodecError.self) { try Member(jsonUTF8: badUTF8) }
        #expect(error.code == .invalidUTF8)
        #expect(error.offset == 8)
        #expect(try Member(jsonString: #"{"id": "\ud83d\ude00 \u1ea1"}"#).id == "😀 ạ")
    }

    @Test func bytesMustBeBase64() throws {
        #expect(try StreamMessage(jsonString: #"{"payload": "AAEC/w=="}"#).payload == [0, 1, 2, 255])
        #expect(try StreamMessage(jsonString: #"{"payload": "AAEC_w"}"#).payload == [0, 1, 2, 255])
        let error = try #require(jsonError(StreamMessage.self, #"{"payload": "AA*C"}"#))
        #expect(error.code == .invalidValue)
        #expect(error.offset == 15)
    }

    @Test func nestingAndSizeAreBounded() throws {
        let deep = String(repeating: #"{"a":"#, count: 100) + "1" + String(repeating: "}", count: 100)
        let error = try #require(jsonError(Member.self, deep, options: JSONDecodingOptions(ignoreUnknownFields: true)))
        #expect(error.code == .invalidJSON)
        let big = #"{"id": ""# + String(repeating: "x", count: 2000) + #""}"#
        #expect(jsonError(Member.self, big, options: JSONDecodingOptions(maxBytes: 1000))?.code == .tooLarge)
    }

    @Test func nullMeansDefaultButNotInsideArrays() throws {
        #expect(try Member(jsonString: #"{"id": null, "birthDate": null}"#) == Member())
        #expect(jsonError(Member.self, #"{"events": [null]}"#)?.field == "events[0]")
    }

    @Test func specialDoublesUseProto3Strings() throws {
        let evaluation = Evaluation(result: .score(.infinity))
        #expect(evaluation.jsonString() == #"{"score":"Infinity"}"#)
        #expect(try Evaluation(jsonString: #"{"score": "-Infinity"}"#).result == .score(-.infinity))
        let nan = try Evaluation(jsonString: #"{"score": "NaN"}"#)
        guard case .score(let value)? = nan.result else {
            Issue.record("score missing")
            return
        }
        #expect(value.isNaN)
    }
}
