// swift-tools-version: 6.2
// Wire-protocol benchmarks: Chibo against grpc-swift-2 and a bare SwiftNIO echo server, each
// server in its own process, driven from one load generator. Run with tools/bench-wire (see
// docs/BENCHMARKS.md).

import PackageDescription

let package = Package(
    name: "ChiboWireBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Chibo", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // What the servers and the load generator share: payloads, method numbers, /proc readings.
        .target(
            name: "BenchSupport",
            dependencies: [
                .product(name: "ChiboModel", package: "Chibo"),
                .product(name: "ChiboCodec", package: "Chibo"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The gRPC side's shared parts: the raw-bytes serializer and the method descriptors.
        .target(
            name: "GRPCBenchSupport",
            dependencies: [.product(name: "GRPCCore", package: "grpc-swift-2")]
        ),
        // A ChiboServer with the benchmark methods.
        .executableTarget(
            name: "chibo-bench-server",
            dependencies: [
                "BenchSupport",
                .product(name: "ChiboServer", package: "Chibo"),
                .product(name: "ChiboModel", package: "Chibo"),
            ]
        ),
        // A grpc-swift-2 server with the same methods over a raw-bytes serializer.
        .executableTarget(
            name: "grpc-bench-server",
            dependencies: [
                "BenchSupport", "GRPCBenchSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        ),
        // Chibo over standard gRPC: the ChiboServer's registry behind its ChiboGRPC listener.
        .executableTarget(
            name: "chibo-grpc-bench-server",
            dependencies: [
                "BenchSupport",
                .product(name: "ChiboServer", package: "Chibo"),
                .product(name: "ChiboGRPC", package: "Chibo"),
                .product(name: "ChiboModel", package: "Chibo"),
            ]
        ),
        // swift-protobuf's code for proto/chibo/v1, generated once (protoc-gen-swift 1.39.0) and
        // committed, as Benchmarks/Sources/SwiftProtobufPeer.
        .target(
            name: "SwiftProtobufMessages",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // grpc-swift-2 with swift-protobuf messages on the same service: what a Swift team would build.
        .executableTarget(
            name: "grpc-protobuf-bench-server",
            dependencies: [
                "BenchSupport", "SwiftProtobufMessages",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // A bare SwiftNIO server echoing length-prefixed messages: the lean reference.
        .executableTarget(
            name: "nio-echo-server",
            dependencies: [
                "BenchSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The load generator: starts each server, drives it, prints the tables.
        .executableTarget(
            name: "wire-bench",
            dependencies: [
                "BenchSupport", "GRPCBenchSupport",
                .product(name: "ChiboClient", package: "Chibo"),
                .product(name: "ChiboWire", package: "Chibo"),
                .product(name: "ChiboModel", package: "Chibo"),
                .product(name: "ChiboCodec", package: "Chibo"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        ),
    ]
)
