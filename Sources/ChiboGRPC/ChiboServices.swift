import ChiboCodec
import ChiboModel
import ChiboServer
import ChiboWire
import GRPCCore
import Logging

/// Every service and method of `proto/chibo/v1` as gRPC methods (`/chibo.v1.Members/List`, …),
/// each handed to the server's `CallDispatcher`: one registry of handlers, one gate, one set of
/// limits and metrics for both transports.
public struct ChiboServices: RegistrableRPCService {
    let dispatcher: CallDispatcher
    let logger: Logger

    /// The services of `dispatcher` (a `ChiboServer`'s), logging through `logger`.
    public init(dispatcher: CallDispatcher, logger: Logger = Logger(label: "chibo.grpc")) {
        self.dispatcher = dispatcher
        self.logger = logger
    }

    /// Registers every method the dispatcher serves under its gRPC path.
    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        for service in ServiceRegistry.services {
            for method in service.methods {
                guard let kind = dispatcher.kind(of: method.method) else { continue }
                let runner = CallRunner(
                    dispatcher: dispatcher,
                    method: method.method,
                    kind: kind,
                    isList: method.name.hasPrefix("List"),
                    logger: logger
                )
                router.registerHandler(
                    forMethod: GRPCCore.MethodDescriptor(fullyQualifiedService: service.fullName, method: method.name),
                    deserializer: PayloadSerializer(),
                    serializer: PayloadSerializer()
                ) { request, context in
                    try await runner.handle(request, context)
                }
            }
        }
    }
}
