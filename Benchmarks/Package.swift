// swift-tools-version: 6.1
// Benchmarks for Chibo's binary codec: ChiboCodec against libprotobuf-c called from C and against
// apple/swift-protobuf, on the same messages. Run with tools/bench (see docs/BENCHMARKS.md).

import PackageDescription

let package = Package(
    name: "ChiboBenchmarks",
    dependencies: [
        .package(name: "Chibo", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // The benchmark messages built as protoc-c structs and packed/unpacked from C.
        .target(
            name: "CChiboPeer",
            dependencies: [.product(name: "CChiboProto", package: "Chibo")]
        ),
        // swift-protobuf 1.39.0 code for proto/chibo/v1, committed; see regenerate-swift-protobuf.sh.
        .target(
            name: "SwiftProtobufPeer",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // The benchmark Member and Meeting for ChiboCodec and swift-protobuf, and the start-up
        // check that all three peers agree on them.
        .target(
            name: "BenchFixtures",
            dependencies: [
                "CChiboPeer", "SwiftProtobufPeer",
                .product(name: "ChiboModel", package: "Chibo"),
                .product(name: "ChiboCodec", package: "Chibo"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // A plain loop over one codec operation, for profilers (valgrind --tool=callgrind).
        .executableTarget(
            name: "codec-loop",
            dependencies: [
                "BenchFixtures", "CChiboPeer", "SwiftProtobufPeer",
                .product(name: "ChiboModel", package: "Chibo"),
                .product(name: "ChiboCodec", package: "Chibo"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: [
                "BenchFixtures", "CChiboPeer", "SwiftProtobufPeer",
                .product(name: "ChiboModel", package: "Chibo"),
                .product(name: "ChiboCodec", package: "Chibo"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CodecBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
