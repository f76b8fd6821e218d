import ChiboCodec
import ChiboModel

/// gRPC's richer error model for a Chibo status: a `google.rpc.Status` with the same code and
/// message, carrying a `google.rpc.BadRequest` with one field violation per invalid field (paths
/// such as `attendance[3].reason`), encoded with ChiboCodec like every other message.
enum ErrorDetails {
    /// The type URL of `google.rpc.BadRequest` in an `Any`.
    static let badRequestTypeURL = "type.googleapis.com/google.rpc.BadRequest"

    /// The serialized `google.rpc.Status`; nil if it cannot be encoded (a NUL in a string).
    static func encoded(_ status: ChiboModel.Status) -> [UInt8]? {
        var details: [GoogleProtobufAny] = []
        if !status.violations.isEmpty {
            let badRequest = GoogleRPCBadRequest(
                fieldViolations: status.violations.map {
                    GoogleRPCBadRequestFieldViolation(field: $0.field, description: $0.description)
                }
            )
            guard let value = try? badRequest.serializedBytes() else { return nil }
            details.append(GoogleProtobufAny(typeUrl: badRequestTypeURL, value: value))
        }
        let rich = GoogleRPCStatus(code: status.code.rawValue, message: status.message, details: details)
        return try? rich.serializedBytes()
    }
}
