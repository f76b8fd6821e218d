// swift-tools-version: 6.2
// Chibo: records and oversight for grassroots party organisations.

import PackageDescription

/// Settings shared by every Swift target of the project: Swift 6 language mode and no warnings.
let strictSwift: [SwiftSetting] = [
    .treatAllWarnings(as: .error)
]

let package = Package(
    name: "Chibo",
    products: [
        .library(name: "ChiboModel", targets: ["ChiboModel"]),
        .library(name: "ChiboCodec", targets: ["ChiboCodec"]),
        // The protoc-c structs and descriptors, for the C peer in the benchmarks and for fuzzing.
        .library(name: "CChiboProto", targets: ["CChiboProto"]),
    ],
    dependencies: [
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1")
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
        // Binary (through libprotobuf-c) and proto3 JSON encoding of the model types.
        .target(
            name: "ChiboCodec",
            dependencies: ["ChiboModel", "CChiboProto", "CProtobufC"],
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
    ]
)
