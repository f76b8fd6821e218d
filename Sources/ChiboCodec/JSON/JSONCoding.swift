/// A message the generated glue can write to and read from proto3 JSON.
protocol JSONCodable {
    /// Appends this message as a JSON object.
    func writeJSON(to writer: inout JSONWriter)
    /// Reads this message from a parsed JSON object.
    init(jsonNode node: JSONNode, options: JSONDecodingOptions) throws(CodecError)
}

/// Entry point for writing a whole message as JSON.
enum JSONEncoding {
    static func encode(_ message: some JSONCodable, options: JSONEncodingOptions) -> [UInt8] {
        var writer = JSONWriter(prettyPrinted: options.prettyPrinted)
        message.writeJSON(to: &writer)
        return writer.bytes
    }
}

/// Entry point for reading a whole message from JSON.
enum JSONDecoding {
    static func decode<Message: JSONCodable & ProtoMessage>(
        _ type: Message.Type,
        from bytes: UnsafeRawBufferPointer,
        options: JSONDecodingOptions
    ) throws(CodecError) -> Message {
        do throws(CodecError) {
            guard bytes.count <= options.maxBytes else {
                throw CodecError(
                    code: .tooLarge,
                    message: "JSON input of \(bytes.count) bytes exceeds the limit of \(options.maxBytes)",
                    messageType: ""
                )
            }
            let document = try JSONParser.parse(bytes, maxDepth: options.maxDepth)
            let root = document.root
            guard root.kind == .object else {
                throw root.error(.invalidValue, "expected a JSON object for the message, found \(root.kind.name)")
            }
            return try Message(jsonNode: root, options: options)
        } catch {
            var error = error
            error.messageType = Message.protoMessageName
            throw error
        }
    }
}
