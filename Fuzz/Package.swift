// swift-tools-version: 6.2
// Fuzz testing for the Chibo codec: a libFuzzer decoding target, its seed generator and a driver
// for valgrind's leak check. Build and run with tools/fuzz; see docs/FUZZING.md.

import PackageDescription

let package = Package(
    name: "ChiboFuzz",
    dependencies: [
        // Named, so that products can be referred to whatever the checkout folder is called.
        .package(name: "Chibo", path: "..")
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
    ]
)
