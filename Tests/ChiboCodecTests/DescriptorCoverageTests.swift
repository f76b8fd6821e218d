internal import CProtobufC
import ChiboModel
import Testing

@testable import ChiboCodec

/// Walks the libprotobuf-c descriptors and proves that every field of every message is mapped
/// by the Swift glue: the Swift type has one property per field (or per oneof), the encoder
/// writes every field, and the JSON encoder names every field.
@Suite struct DescriptorCoverageTests {
    /// The field numbers present at the top level of a protobuf encoding.
    private func topLevelFieldNumbers(_ bytes: [UInt8]) -> Set<UInt32> {
        var numbers = Set<UInt32>()
        var position = 0
        func varint() -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            return value
        }
        while position < bytes.count {
            let tag = varint()
            numbers.insert(UInt32(tag >> 3))
            switch tag & 7 {
            case 0: _ = varint()
            case 1: position += 8
            case 5: position += 4
            default: position += Int(varint())
            }
        }
        return numbers
    }

    private struct DescribedField {
        var number: UInt32
        var name: String
        var inOneof: Bool
    }

    private func fields(of descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> [DescribedField] {
        (0..<Int(descriptor.pointee.n_fields)).map { index in
            let field = descriptor.pointee.fields[index]
            return DescribedField(
                number: field.id,
                name: String(cString: field.name),
                inOneof: field.flags & UInt32(PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue) != 0
            )
        }
    }

    private func lowerCamel(_ snake: String) -> String {
        let parts = snake.split(separator: "_")
        return parts.enumerated().map { $0 == 0 ? String($1) : $1.prefix(1).uppercased() + $1.dropFirst() }.joined()
    }

    @Test("every field is mapped", arguments: MessageType.all)
    func everyFieldIsMapped(_ messageType: MessageType) throws {
        try check(messageType.type)
    }

    private func check<T: RandomMessage>(_ type: T.Type) throws {
        let described = try #require(T.self as? any CDescribedMessage.Type, "\(T.self) has no C descriptor")
        let descriptor = described.cDescriptor
        #expect(String(cString: descriptor.pointee.name) == T.protoMessageName)
        let cFields = fields(of: descriptor)

        // One Swift stored property per plain field, plus one per oneof.
        let oneofCount = Int(descriptor.pointee.n_fields) == 0 ? 0 : Set(cFields.filter(\.inOneof).map { _ in 0 }).count
        let plainCount = cFields.filter { !$0.inOneof }.count
        #expect(Mirror(reflecting: T()).children.count == plainCount + oneofCount)

        // The encoder writes every field, and the JSON encoder names every field.
        var rng = SplitMix64(seed: 5)
        var written = Set<UInt32>()
        var jsonText = ""
        for message in T.fullyPopulated(using: &rng) {
            written.formUnion(topLevelFieldNumbers(try message.serializedBytes()))
            jsonText += message.jsonString()
        }
        for field in cFields {
            #expect(
                written.contains(field.number),
                "\(T.protoMessageName).\(field.name) (\(field.number)) is never encoded"
            )
            #expect(
                jsonText.contains("\"\(lowerCamel(field.name))\":"),
                "\(T.protoMessageName).\(field.name) is missing from JSON"
            )
        }
        #expect(written.count == cFields.count, "fields encoded that the descriptor does not declare")
    }

    @Test func registryListsEveryMessageOnce() {
        let names = MessageRegistry.allTypes.map { $0.protoMessageName }
        #expect(Set(names).count == names.count)
        #expect(names.count == allRandomMessageTypes.count)
        for name in names {
            #expect(MessageRegistry.type(named: name)?.protoMessageName == name)
        }
    }
}
