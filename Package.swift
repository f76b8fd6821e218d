// swift-tools-version: 6.2
// Chibo: records and oversight for grassroots party organisations.

import PackageDescription

/// Settings shared by every Swift target of the project: no warnings.
let strictSwift: [SwiftSetting] = [
    .treatAllWarnings(as: .error)
]

let package = Package(
    name: "Chibo",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ChiboModel", targets: ["ChiboModel"]),
        .library(name: "ChiboDomain", targets: ["ChiboDomain"]),
        .library(name: "ChiboCodec", targets: ["ChiboCodec"]),
        .library(name: "ChiboWire", targets: ["ChiboWire"]),
        .library(name: "ChiboServer", targets: ["ChiboServer"]),
        .library(name: "ChiboGRPC", targets: ["ChiboGRPC"]),
        .library(name: "ChiboClient", targets: ["ChiboClient"]),
        .library(name: "ChiboStore", targets: ["ChiboStore"]),
        .library(name: "ChiboStoreSQL", targets: ["ChiboStoreSQL"]),
        .library(name: "ChiboStoreSQLite", targets: ["ChiboStoreSQLite"]),
        .library(name: "ChiboStorePostgres", targets: ["ChiboStorePostgres"]),
        .library(name: "ChiboRecords", targets: ["ChiboRecords"]),
        .library(name: "ChiboReports", targets: ["ChiboReports"]),
        .library(name: "ChiboAccess", targets: ["ChiboAccess"]),
        .library(name: "ChiboImport", targets: ["ChiboImport"]),
        // The protoc-c structs and descriptors, for the C peer in the benchmarks and for fuzzing.
        .library(name: "CChiboProto", targets: ["CChiboProto"]),
        .library(name: "ChiboSample", targets: ["ChiboSample"]),
        .executable(name: "chibo-server", targets: ["chibo-server"]),
        .executable(name: "chibo", targets: ["chibo"]),
        .executable(name: "chibo-import", targets: ["chibo-import"]),
        .executable(name: "chibo-gen-sample", targets: ["chibo-gen-sample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.42.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // libprotobuf-c from the system (Debian: libprotobuf-c-dev).
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        // protoc-c output for proto/chibo/v1, committed; regenerate with tools/gen-proto.
        .target(
            name: "CChiboProto",
            dependencies: ["CProtobufC"],
            cSettings: [.treatAllWarnings(as: .error)]
        ),
        // Swift value types for every schema message; no I/O.
        .target(
            name: "ChiboModel",
            swiftSettings: strictSwift
        ),
        // The rules of the domain as pure functions over the model types: search and date keys,
        // org history by date, and the checks of units, members, meetings, attendance and
        // evaluations that the services, the import and the store share. No I/O.
        .target(
            name: "ChiboDomain",
            dependencies: ["ChiboModel"],
            swiftSettings: strictSwift
        ),
        // Binary (through libprotobuf-c) and proto3 JSON encoding of the model types.
        .target(
            name: "ChiboCodec",
            dependencies: ["ChiboModel", "CChiboProto", "CProtobufC"],
            swiftSettings: strictSwift
        ),
        // The wire protocol: framing, call state machines, NIO handlers. Payloads are opaque bytes.
        .target(
            name: "ChiboWire",
            dependencies: [
                "ChiboModel", "ChiboCodec",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        // The server runtime: listener, method registry, built-in health and server info.
        .target(
            name: "ChiboServer",
            dependencies: [
                "ChiboModel", "ChiboCodec", "ChiboWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        // The typed async client: one multiplexed connection per client.
        .target(
            name: "ChiboClient",
            dependencies: [
                "ChiboModel", "ChiboCodec", "ChiboWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Storage: the Store protocol and its backends (search and sort keys from ChiboDomain).
        .target(
            name: "ChiboStore",
            dependencies: ["ChiboModel", "ChiboCodec", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSwift
        ),
        // The store written once in portable SQL over a small database interface that each SQL
        // backend implements: every check and query is shared, so the backends cannot drift apart.
        .target(
            name: "ChiboStoreSQL",
            dependencies: ["ChiboStore", "ChiboDomain", "ChiboModel", "ChiboCodec"],
            swiftSettings: strictSwift
        ),
        // The embedded SQLite store, through GRDB.
        .target(
            name: "ChiboStoreSQLite",
            dependencies: [
                "ChiboStoreSQL", "ChiboStore", "ChiboModel", "ChiboCodec",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwift
        ),
        // The PostgreSQL store, through postgres-nio, for several servers on one database.
        .target(
            name: "ChiboStorePostgres",
            dependencies: [
                "ChiboStoreSQL", "ChiboStore", "ChiboModel", "ChiboCodec",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Copies a SQLite database into PostgreSQL: from one machine to several servers.
        .target(
            name: "ChiboStoreTransfer",
            dependencies: ["ChiboStoreSQL", "ChiboStoreSQLite", "ChiboStorePostgres", "ChiboStore"],
            swiftSettings: strictSwift
        ),
        // The checks every Store backend must pass; run by each backend's tests.
        .target(
            name: "ChiboStoreConformance",
            dependencies: ["ChiboStore", "ChiboDomain", "ChiboModel", "ChiboCodec"],
            swiftSettings: strictSwift
        ),
        // The oversight reports: rule sets resolved by date and unit, and every report computed
        // in Swift from the store's per-meeting counts, so all backends answer alike.
        .target(
            name: "ChiboReports",
            dependencies: ["ChiboStore", "ChiboDomain", "ChiboModel"],
            swiftSettings: strictSwift
        ),
        // Access control: tokens, roles bound to org subtrees, the gate every call passes, and
        // the audit entries the store does not write itself.
        .target(
            name: "ChiboAccess",
            dependencies: [
                "ChiboServer", "ChiboWire", "ChiboStore", "ChiboDomain", "ChiboModel", "ChiboCodec",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // The record services: validation and handlers over a Store.
        .target(
            name: "ChiboRecords",
            dependencies: [
                "ChiboServer", "ChiboStore", "ChiboDomain", "ChiboReports", "ChiboAccess", "ChiboModel",
                "ChiboCodec",
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        // Standard gRPC beside the Chibo protocol: the same registry and gate, ChiboCodec messages,
        // reflection and health, over grpc-swift-2's HTTP/2 transport.
        .target(
            name: "ChiboGRPC",
            dependencies: [
                "ChiboServer", "ChiboCodec", "ChiboModel", "CChiboProto", "CProtobufC",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "chibo-server",
            dependencies: [
                "ChiboServer", "ChiboRecords", "ChiboStore", "ChiboStoreSQL", "ChiboStoreSQLite", "ChiboStorePostgres",
                "ChiboAccess", "ChiboDomain", "ChiboModel", "ChiboStoreTransfer", "ChiboWire", "ChiboGRPC",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        // `chibo-import`: sends what ChiboImport reads to a server with Import.Run as it reads,
        // resumes, undoes; connection flags and contexts shared with ChiboCLI.
        .target(
            name: "ChiboImportClient",
            dependencies: [
                "ChiboImport", "ChiboClient", "ChiboCodec", "ChiboModel", "ChiboCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        // The command-line client's commands, output formats, config contexts and HTML reports.
        .target(
            name: "ChiboCLI",
            dependencies: [
                "ChiboClient", "ChiboCodec", "ChiboModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSwift
        ),
        // Reading import files (CSV, JSON Lines, delimited protobuf) into typed records or row errors,
        // streaming with flat memory. The CSV reader is written by hand (see CSVRecordReader.swift
        // for why no CSV package is used).
        .target(
            name: "ChiboImport",
            dependencies: [
                "ChiboModel", "ChiboCodec", "ChiboDomain",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strictSwift
        ),
        // `chibo`, the command-line client: a thin @main over ChiboCLI.
        .executableTarget(
            name: "chibo",
            dependencies: ["ChiboCLI"],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "chibo-import",
            dependencies: ["ChiboImportClient"],
            swiftSettings: strictSwift
        ),
        // Sample datasets (Mường Bằng, a province at scale) generated from a seed, and their loader.
        .target(
            name: "ChiboSample",
            dependencies: ["ChiboModel", "ChiboCodec", "ChiboClient"],
            swiftSettings: strictSwift
        ),
        // Writes a sample dataset as import files in every format (CSV, JSON Lines, protobuf).
        .target(
            name: "ChiboSampleFiles",
            dependencies: ["ChiboSample", "ChiboImport", "ChiboModel", "ChiboCodec"],
            swiftSettings: strictSwift
        ),
        // Generates a sample dataset and loads it into a running server (tools/gen-sample).
        .executableTarget(
            name: "chibo-gen-sample",
            dependencies: [
                "ChiboSample", "ChiboSampleFiles", "ChiboClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        // What the test targets share: an in-process server harness (plain, or gated with records
        // and a token per role), a launcher for the built executables, temporary folders, dates,
        // bounded waits and a clock a test moves by hand. Only tests depend on it.
        .target(
            name: "ChiboTesting",
            dependencies: [
                "ChiboServer", "ChiboWire", "ChiboClient", "ChiboAccess", "ChiboRecords", "ChiboStore",
                "ChiboStoreSQLite", "ChiboStorePostgres", "ChiboModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ChiboAccessTests",
            dependencies: [
                "ChiboTesting",
                "ChiboAccess", "ChiboRecords", "ChiboServer", "ChiboClient", "ChiboStore", "ChiboStoreSQLite",
                "ChiboStorePostgres", "ChiboModel", "ChiboCodec",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        // Every import format, header and value form, encoding, and the streaming guarantees.
        .testTarget(
            name: "ChiboImportTests",
            dependencies: ["ChiboImport", "ChiboModel", "ChiboCodec"],
            swiftSettings: strictSwift
        ),
        // chibo-import's parsing, progress line and reject file, and end-to-end runs of the built
        // `chibo-import` against a real `chibo-server` on loopback.
        .testTarget(
            name: "ChiboImportClientTests",
            dependencies: [
                "ChiboTesting",
                "ChiboImportClient", "ChiboImport", "ChiboClient", "ChiboCLI", "ChiboModel", "ChiboServer",
                "ChiboWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ChiboReportsTests",
            dependencies: ["ChiboTesting", "ChiboReports", "ChiboModel", "ChiboStore"],
            swiftSettings: strictSwift
        ),
        // The domain's pure rules on small inputs with known answers.
        .testTarget(
            name: "ChiboDomainTests",
            dependencies: ["ChiboDomain", "ChiboModel"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ChiboModelTests",
            dependencies: ["ChiboModel"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ChiboCodecTests",
            dependencies: [
                "ChiboCodec", "ChiboModel", "CChiboProto", "CProtobufC",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ChiboWireTests",
            dependencies: [
                "ChiboWire", "ChiboCodec", "ChiboModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        // The stores: the conformance suite and the store tests on SQLite files and on the real
        // PostgreSQL server tools/test starts; each backend's own behaviour.
        .testTarget(
            name: "ChiboStoreTests",
            dependencies: [
                "ChiboTesting",
                "ChiboStore", "ChiboStoreSQLite", "ChiboStorePostgres", "ChiboStoreSQL", "ChiboStoreConformance",
                "ChiboStoreTransfer", "ChiboModel", "ChiboCodec", "ChiboReports", "ChiboSample",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ChiboRecordsTests",
            dependencies: [
                "ChiboTesting",
                "ChiboRecords", "ChiboAccess", "ChiboServer", "ChiboClient", "ChiboStore", "ChiboStoreSQLite",
                "ChiboModel",
                "ChiboCodec",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwift
        ),
        // Parse-level and unit tests of the CLI, and end-to-end runs of the built `chibo` against a
        // real `chibo-server` on loopback.
        .testTarget(
            name: "ChiboCLITests",
            dependencies: [
                "ChiboTesting",
                "ChiboCLI", "ChiboCodec", "ChiboModel", "ChiboServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwift
        ),
        // The client's own behaviour: request pacing under the server's window, retries.
        .testTarget(
            name: "ChiboClientTests",
            dependencies: [
                "ChiboTesting", "ChiboClient", "ChiboServer", "ChiboModel",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ChiboServerTests",
            dependencies: [
                "ChiboTesting",
                "ChiboServer", "ChiboClient", "ChiboWire", "ChiboCodec", "ChiboModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        // Chibo over standard gRPC: grpc-swift clients over loopback TCP, and Python grpcio
        // (tools/interop/grpc_interop.py) against the built `chibo-server`.
        .testTarget(
            name: "ChiboGRPCTests",
            dependencies: [
                "ChiboTesting",
                "ChiboGRPC", "ChiboServer", "ChiboAccess", "ChiboRecords", "ChiboStoreSQLite", "ChiboModel",
                "ChiboCodec", "ChiboWire",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ChiboSampleTests",
            dependencies: [
                "ChiboTesting",
                "ChiboSample", "ChiboSampleFiles", "ChiboImport", "ChiboRecords", "ChiboServer", "ChiboClient",
                "ChiboStoreSQLite",
                "ChiboModel",
                "ChiboCodec",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
    ]
)
