// swift-tools-version: 6.2
// Fuzz testing for the Chibo codec and wire protocol: libFuzzer targets for decoding and for the
// frame decoder with the connection state machines, their seed generators and a driver for
// valgrind's leak check. Build and run with tools/fuzz; see docs/FUZZING.md.

import PackageDescription

let package = Package(
    name: "ChiboFuzz",
    dependencies: [
        // Named, so that products can be referred to whatever the checkout folder is called.
        .package(name: "Chibo", path: ".."),
        // The same requirement as the root package, for ByteBuffer in the wire harness.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // What the other targets share: picking a type from the first byte, the round-trip checks.
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "ChiboCodec", package: "Chibo")],
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
        // The libFuzzer entry point. Build it through tools/fuzz: libFuzzer supplies `main`.
        .executableTarget(
            name: "DecodeFuzzer",
            dependencies: ["FuzzSupport", .product(name: "ChiboCodec", package: "Chibo")],
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
        // Writes the seed corpus (Fuzz/seeds) from a few hand-written messages.
        .executableTarget(
            name: "FuzzSeeds",
            dependencies: ["FuzzSupport", .product(name: "ChiboCodec", package: "Chibo")],
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
        // Every type through the codec with valid and malformed input, for valgrind's leak check.
        .executableTarget(
            name: "LeakCheck",
            dependencies: ["FuzzSupport", .product(name: "ChiboCodec", package: "Chibo")],
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
        // The wire harness: the input layout and the checks on the decoder and state machines.
        .target(
            name: "WireFuzzSupport",
            dependencies: [
                .product(name: "ChiboModel", package: "Chibo"),
                .product(name: "ChiboCodec", package: "Chibo"),
                .product(name: "ChiboWire", package: "Chibo"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
        // The libFuzzer entry point for the wire protocol. Build it through tools/fuzz --target wire.
        .executableTarget(
            name: "WireFuzzer",
            dependencies: ["WireFuzzSupport"],
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
        // Writes the wire seed corpus (Fuzz/seeds-wire) from hand-written connection transcripts.
        .executableTarget(
            name: "WireSeeds",
            dependencies: [
                "WireFuzzSupport",
                .product(name: "ChiboModel", package: "Chibo"),
                .product(name: "ChiboWire", package: "Chibo"),
            ],
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
    ]
)
