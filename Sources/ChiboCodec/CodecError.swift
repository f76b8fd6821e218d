/// Why a message could not be encoded or decoded, and where.
///
/// `messageType` names the top-level message being coded; `field` is the path of the field at
/// fault where it is known (`attendance[3].reason` style in JSON, `Meeting.attendance.reason` in
/// binary), and `offset` the byte offset into the input where the fault was found.
public struct CodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of fault.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case tooLarge, malformed, invalidUTF8, embeddedNUL, allocationBudgetExceeded
            case invalidJSON, invalidValue, unknownField, duplicateField
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The input is larger than the decoding limit allows.
        public static let tooLarge = Code(.tooLarge)
        /// The bytes are not a valid protobuf encoding of the message.
        public static let malformed = Code(.malformed)
        /// A string field holds bytes that are not valid UTF-8.
        public static let invalidUTF8 = Code(.invalidUTF8)
        /// A string holds U+0000, which the C strings of libprotobuf-c cannot carry.
        public static let embeddedNUL = Code(.embeddedNUL)
        /// Decoding would allocate more memory than the budget for this input allows.
        public static let allocationBudgetExceeded = Code(.allocationBudgetExceeded)
        /// The input is not well-formed JSON.
        public static let invalidJSON = Code(.invalidJSON)
        /// A JSON value has the wrong type or is out of range for its field.
        public static let invalidValue = Code(.invalidValue)
        /// A JSON object names a field the message does not have.
        public static let unknownField = Code(.unknownField)
        /// A JSON object sets a field twice, or two members of one oneof.
        public static let duplicateField = Code(.duplicateField)

        /// A short name for logs, for example `invalidUTF8`.
        public var description: String { String(describing: value) }
    }

    /// The kind of fault.
    public var code: Code
    /// What is wrong, for a person.
    public var message: String
    /// Full proto name of the message being coded, for example `chibo.v1.Member`.
    public var messageType: String
    /// Path of the field at fault, when known.
    public var field: String?
    /// Byte offset into the input where the fault was found, when known.
    public var offset: Int?

    /// Creates an error.
    public init(code: Code, message: String, messageType: String, field: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.messageType = messageType
        self.field = field
        self.offset = offset
    }

    /// One line: message type, field, offset and message.
    public var description: String {
        var text = messageType
        if let field { text += " field \(field)" }
        if let offset { text += " at byte \(offset)" }
        return text + ": " + message
    }
}
