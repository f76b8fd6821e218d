import ChiboModel
import GRPCCore

/// gRPC server reflection, `grpc.reflection.v1` and `v1alpha` (which grpcurl tries first):
/// lists the services, and answers file by name and file containing a symbol from the
/// descriptor set of proto/ embedded at build time, comments included. Open to anonymous
/// callers, like health: the schema is public.
struct ReflectionService: RegistrableRPCService {
    let index: ReflectionIndex

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let index = self.index
        router.registerHandler(
            forMethod: MethodDescriptor(
                fullyQualifiedService: "grpc.reflection.v1.ServerReflection",
                method: "ServerReflectionInfo"
            ),
            deserializer: ChiboMessageDeserializer<GRPCReflectionV1ServerReflectionRequest>(),
            serializer: ChiboMessageSerializer<GRPCReflectionV1ServerReflectionResponse>()
        ) { request, _ in
            StreamingServerResponse { writer in
                for try await question in request.messages {
                    try await writer.write(ReflectionV1.response(to: question, index: index))
                }
                return [:]
            }
        }
        router.registerHandler(
            forMethod: MethodDescriptor(
                fullyQualifiedService: "grpc.reflection.v1alpha.ServerReflection",
                method: "ServerReflectionInfo"
            ),
            deserializer: ChiboMessageDeserializer<GRPCReflectionV1AlphaServerReflectionRequest>(),
            serializer: ChiboMessageSerializer<GRPCReflectionV1AlphaServerReflectionResponse>()
        ) { request, _ in
            StreamingServerResponse { writer in
                for try await question in request.messages {
                    try await writer.write(ReflectionV1Alpha.response(to: question, index: index))
                }
                return [:]
            }
        }
    }
}

/// The v1 messages to and from the neutral question and answer.
enum ReflectionV1 {
    static func response(
        to request: GRPCReflectionV1ServerReflectionRequest,
        index: ReflectionIndex
    ) -> GRPCReflectionV1ServerReflectionResponse {
        let question: ReflectionQuestion
        switch request.messageRequest {
        case .fileByFilename(let name)?: question = .fileByFilename(name)
        case .fileContainingSymbol(let symbol)?: question = .fileContainingSymbol(symbol)
        case .fileContainingExtension(let ext)?:
            question = .fileContainingExtension(type: ext.containingType, number: ext.extensionNumber)
        case .allExtensionNumbersOfType(let type)?: question = .allExtensionNumbers(type: type)
        case .listServices?: question = .listServices
        case nil: question = .none
        }
        var response = GRPCReflectionV1ServerReflectionResponse(validHost: request.host, originalRequest: request)
        switch index.answer(question) {
        case .files(let files):
            response.messageResponse = .fileDescriptorResponse(.init(fileDescriptorProto: files))
        case .extensionNumbers(let type, let numbers):
            response.messageResponse = .allExtensionNumbersResponse(
                .init(baseTypeName: type, extensionNumber: numbers)
            )
        case .services(let names):
            response.messageResponse = .listServicesResponse(.init(service: names.map { .init(name: $0) }))
        case .error(let code, let message):
            response.messageResponse = .errorResponse(.init(errorCode: code, errorMessage: message))
        }
        return response
    }
}

/// The v1alpha messages to and from the neutral question and answer.
enum ReflectionV1Alpha {
    static func response(
        to request: GRPCReflectionV1AlphaServerReflectionRequest,
        index: ReflectionIndex
    ) -> GRPCReflectionV1AlphaServerReflectionResponse {
        let question: ReflectionQuestion
        switch request.messageRequest {
        case .fileByFilename(let name)?: question = .fileByFilename(name)
        case .fileContainingSymbol(let symbol)?: question = .fileContainingSymbol(symbol)
        case .fileContainingExtension(let ext)?:
            question = .fileContainingExtension(type: ext.containingType, number: ext.extensionNumber)
        case .allExtensionNumbersOfType(let type)?: question = .allExtensionNumbers(type: type)
        case .listServices?: question = .listServices
        case nil: question = .none
        }
        var response = GRPCReflectionV1AlphaServerReflectionResponse(
            validHost: request.host,
            originalRequest: request
        )
        switch index.answer(question) {
        case .files(let files):
            response.messageResponse = .fileDescriptorResponse(.init(fileDescriptorProto: files))
        case .extensionNumbers(let type, let numbers):
            response.messageResponse = .allExtensionNumbersResponse(
                .init(baseTypeName: type, extensionNumber: numbers)
            )
        case .services(let names):
            response.messageResponse = .listServicesResponse(.init(service: names.map { .init(name: $0) }))
        case .error(let code, let message):
            response.messageResponse = .errorResponse(.init(errorCode: code, errorMessage: message))
        }
        return response
    }
}
