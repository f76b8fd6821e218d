import ChiboModel
import ChiboServer
import GRPCCore

/// Turns what a Chibo handler throws into the status a gRPC client reads: the same code and
/// message as on the Chibo listener, and for field violations a `google.rpc.Status` carrying a
/// `google.rpc.BadRequest` in the `grpc-status-details-bin` trailer (gRPC's richer error model).
enum StatusMapping {
    /// The trailer key of the standard error details.
    static let detailsKey = "grpc-status-details-bin"

    /// The gRPC error for any error a handler threw.
    static func rpcError(for error: any Error) -> RPCError {
        if let error = error as? RPCError { return error }
        return rpcError(CallError.status(for: error))
    }

    /// The gRPC error for a Chibo status (never OK).
    static func rpcError(_ status: ChiboModel.Status) -> RPCError {
        let code =
            GRPCCore.Status.Code(rawValue: Int(status.code.rawValue)).flatMap { RPCError.Code($0) } ?? .unknown
        var metadata = Metadata()
        if let details = ErrorDetails.encoded(status) {
            metadata.addBinary(details, forKey: detailsKey)
        }
        return RPCError(code: code, message: status.message, metadata: metadata)
    }
}
