import ChiboModel

/// How a method's messages flow: one each way, or a stream on one side.
public enum StreamingKind: String, Hashable, Sendable {
    /// One request, one response.
    case unary
    /// One request, a stream of responses (lists, reports, the change feed).
    case serverStreaming = "server-streaming"
    /// A stream of requests, one response (bulk imports).
    case clientStreaming = "client-streaming"
    /// Streams both ways.
    case bidirectional
}

/// One rpc of a service: its wire number, its message types and whether it streams.
public struct MethodDescriptor: Sendable {
    /// Name of the service, for example "Members".
    public let service: String
    /// Name of the rpc, for example "List".
    public let name: String
    /// The number the wire carries.
    public let method: Method
    /// Swift type of the request message.
    public let requestType: any ProtoMessage.Type
    /// Swift type of the response message (of each response, for a server stream).
    public let responseType: any ProtoMessage.Type
    /// Whether and which side streams.
    public let streaming: StreamingKind
    /// The rpc's comment in the schema.
    public let comment: String

    /// Creates a descriptor; used by the generated registry.
    public init(
        service: String,
        name: String,
        method: Method,
        requestType: any ProtoMessage.Type,
        responseType: any ProtoMessage.Type,
        streaming: StreamingKind,
        comment: String
    ) {
        self.service = service
        self.name = name
        self.method = method
        self.requestType = requestType
        self.responseType = responseType
        self.streaming = streaming
        self.comment = comment
    }

    /// "Service/Method", as tools name it, for example "Members/List".
    public var path: String { "\(service)/\(name)" }
}

/// One service of the schema with its rpcs.
public struct ServiceDescriptor: Sendable {
    /// Short name, for example "Members".
    public let name: String
    /// Full name, for example "chibo.v1.Members".
    public let fullName: String
    /// The service's comment in the schema.
    public let comment: String
    /// The rpcs, in schema order.
    public let methods: [MethodDescriptor]

    /// Creates a descriptor; used by the generated registry.
    public init(name: String, fullName: String, comment: String, methods: [MethodDescriptor]) {
        self.name = name
        self.fullName = fullName
        self.comment = comment
        self.methods = methods
    }
}

/// One field of a message as the schema declares it.
public struct FieldDescription: Hashable, Sendable {
    /// Proto name, lower_snake_case.
    public let name: String
    /// Name in proto3 JSON, lowerCamelCase.
    public let jsonName: String
    /// Field number.
    public let number: Int32
    /// Scalar type name ("string", "int32", "bool", …), or "message" or "enum".
    public let type: String
    /// Full name of the message or enum type, for "message" and "enum" fields; empty otherwise.
    public let typeName: String
    /// Whether the field is repeated.
    public let repeated: Bool
    /// Name of the oneof the field belongs to; empty when none.
    public let oneof: String
    /// The field's comment in the schema.
    public let comment: String

    /// Creates a description; used by the generated registry.
    public init(
        name: String,
        jsonName: String,
        number: Int32,
        type: String,
        typeName: String,
        repeated: Bool,
        oneof: String,
        comment: String
    ) {
        self.name = name
        self.jsonName = jsonName
        self.number = number
        self.type = type
        self.typeName = typeName
        self.repeated = repeated
        self.oneof = oneof
        self.comment = comment
    }

    /// The type as written in a .proto file, for example "repeated chibo.v1.Member" or "int32".
    public var declaredType: String {
        let base = typeName.isEmpty ? type : typeName
        return repeated ? "repeated \(base)" : base
    }
}

/// One message of the schema.
public struct MessageDescription: Hashable, Sendable {
    /// Full name, for example "chibo.v1.Member".
    public let name: String
    /// The Swift type's name, for example "CalendarDate" for chibo.v1.Date.
    public let swiftName: String
    /// The schema file that declares it, for example "chibo/v1/members.proto".
    public let file: String
    /// The message's comment in the schema.
    public let comment: String
    /// The fields, in declaration order.
    public let fields: [FieldDescription]

    /// Creates a description; used by the generated registry.
    public init(name: String, swiftName: String, file: String, comment: String, fields: [FieldDescription]) {
        self.name = name
        self.swiftName = swiftName
        self.file = file
        self.comment = comment
        self.fields = fields
    }

    /// The field with this proto or JSON name.
    public func field(named name: String) -> FieldDescription? {
        fields.first { $0.name == name || $0.jsonName == name }
    }
}

/// One value of an enum.
public struct EnumValueDescription: Hashable, Sendable {
    /// Name in the schema, for example "MEMBER_STATUS_OFFICIAL".
    public let name: String
    /// Number.
    public let number: Int32
    /// The value's comment in the schema.
    public let comment: String

    /// Creates a description; used by the generated registry.
    public init(name: String, number: Int32, comment: String) {
        self.name = name
        self.number = number
        self.comment = comment
    }
}

/// One enum of the schema.
public struct EnumDescription: Hashable, Sendable {
    /// Full name, for example "chibo.v1.MemberStatus".
    public let name: String
    /// The schema file that declares it.
    public let file: String
    /// The enum's comment in the schema.
    public let comment: String
    /// The values, in declaration order.
    public let values: [EnumValueDescription]

    /// Creates a description; used by the generated registry.
    public init(name: String, file: String, comment: String, values: [EnumValueDescription]) {
        self.name = name
        self.file = file
        self.comment = comment
        self.values = values
    }

    /// The prefix every value name shares, for example "MEMBER_STATUS_".
    public var valuePrefix: String {
        guard let first = values.first?.name, first.hasSuffix("_UNSPECIFIED") else { return "" }
        return String(first.dropLast("UNSPECIFIED".count))
    }
}

/// Every service and method of the schema, generated from the `service` declarations and the
/// `Method` enum by `tools/gen-proto`: what `chibo call` and `chibo describe` work from.
public enum ServiceRegistry {
    /// Looks a method up by "Service/Method" or "Service.Method" (case-insensitive), or by
    /// the full name "chibo.v1.Service/Method".
    public static func method(named text: String) -> MethodDescriptor? {
        var key = String(text.lowercased().map { $0 == "." ? "/" : $0 })
        if key.hasPrefix("chibo/v1/") { key.removeFirst("chibo/v1/".count) }
        return allMethods.first { $0.path.lowercased() == key }
    }

    /// Looks a method up by its wire number.
    public static func method(number: Method) -> MethodDescriptor? {
        allMethods.first { $0.method == number }
    }

    /// Looks a service up by short or full name (case-insensitive).
    public static func service(named text: String) -> ServiceDescriptor? {
        let key = text.lowercased()
        return services.first { $0.name.lowercased() == key || $0.fullName.lowercased() == key }
    }

    /// Every method of every service, in schema order.
    public static var allMethods: [MethodDescriptor] { services.flatMap(\.methods) }
}

/// The messages and enums of the schema with their comments, generated by `tools/gen-proto`.
public enum SchemaDescription {
    /// Looks a message up by full name ("chibo.v1.Member"), short name ("Member") or Swift name
    /// ("CalendarDate"), case-insensitively.
    public static func message(named text: String) -> MessageDescription? {
        let key = text.lowercased()
        return messages.first {
            $0.name.lowercased() == key || $0.name.lowercased() == "chibo.v1." + key || $0.swiftName.lowercased() == key
        }
    }

    /// Looks an enum up by full or short name, case-insensitively.
    public static func enumType(named text: String) -> EnumDescription? {
        let key = text.lowercased()
        return enums.first { $0.name.lowercased() == key || $0.name.lowercased() == "chibo.v1." + key }
    }
}
