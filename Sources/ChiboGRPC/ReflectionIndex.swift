import Foundation

/// A reflection question, whichever version of the reflection protocol asked it.
enum ReflectionQuestion {
    case fileByFilename(String)
    case fileContainingSymbol(String)
    case fileContainingExtension(type: String, number: Int32)
    case allExtensionNumbers(type: String)
    case listServices
    case none
}

/// A reflection answer, whichever version of the reflection protocol it goes back in.
enum ReflectionAnswer {
    /// Serialized `FileDescriptorProto`s: the file asked for first, then what it imports.
    case files([[UInt8]])
    case extensionNumbers(type: String, numbers: [Int32])
    case services([String])
    case error(code: Int32, message: String)
}

/// The descriptors of proto/ (embedded at build time by tools/gen-proto, with comments) indexed
/// by file name and by symbol: answers gRPC server reflection.
struct ReflectionIndex: Sendable {
    private let files: [String: EmbeddedFile]
    private let fileOfSymbol: [String: String]
    private let descriptorBytes: [String: [UInt8]]
    /// Every service served, by full name.
    let services: [String]

    /// The index of the embedded descriptor set.
    static let shared = ReflectionIndex(EmbeddedDescriptors.files)

    init(_ embedded: [EmbeddedFile]) {
        var files: [String: EmbeddedFile] = [:]
        var fileOfSymbol: [String: String] = [:]
        var bytes: [String: [UInt8]] = [:]
        var services: [String] = []
        for file in embedded {
            files[file.name] = file
            for symbol in file.symbols { fileOfSymbol[symbol] = file.name }
            bytes[file.name] = Array(Data(base64Encoded: file.base64, options: .ignoreUnknownCharacters) ?? Data())
            services += file.services
        }
        self.files = files
        self.fileOfSymbol = fileOfSymbol
        self.descriptorBytes = bytes
        self.services = services.sorted()
    }

    /// The answer to one question.
    func answer(_ question: ReflectionQuestion) -> ReflectionAnswer {
        switch question {
        case .fileByFilename(let name):
            guard files[name] != nil else { return notFound("no file named \"\(name)\"") }
            return .files(closure(of: name))
        case .fileContainingSymbol(let symbol):
            let trimmed = symbol.hasPrefix(".") ? String(symbol.dropFirst()) : symbol
            guard let name = fileOfSymbol[trimmed] else { return notFound("no symbol named \"\(symbol)\"") }
            return .files(closure(of: name))
        case .fileContainingExtension(let type, let number):
            return notFound("no extension \(number) of \"\(type)\": the schema declares no extensions")
        case .allExtensionNumbers(let type):
            guard fileOfSymbol[type] != nil else { return notFound("no message type named \"\(type)\"") }
            return .extensionNumbers(type: type, numbers: [])
        case .listServices:
            return .services(services)
        case .none:
            return .error(code: 3, message: "the request asks nothing: set one of the message_request fields")
        }
    }

    private func notFound(_ message: String) -> ReflectionAnswer {
        .error(code: 5, message: message)
    }

    /// The file's descriptor first, then those of every file it imports, directly or not.
    private func closure(of name: String) -> [[UInt8]] {
        var order: [String] = []
        var seen: Set<String> = []
        var queue = [name]
        while let next = queue.first {
            queue.removeFirst()
            guard seen.insert(next).inserted, let file = files[next] else { continue }
            order.append(next)
            queue += file.dependencies
        }
        return order.compactMap { descriptorBytes[$0] }
    }
}

/// One embedded .proto file: its name, imports, declared symbols and services, and its
/// serialized `FileDescriptorProto` in base64.
struct EmbeddedFile: Sendable {
    let name: String
    let dependencies: [String]
    let services: [String]
    let symbols: [String]
    let base64: String
}
