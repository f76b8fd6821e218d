// swift-tools-version: 6.2
// Report benchmarks: the oversight reports of a release chibo-server over the province sample
// (10,000 cells, 250,000 members, about 4 million attendance records of 2019), measured through
// ChiboClient. Run with tools/bench-reports, which builds, starts the server on a database kept
// in ReportBenchmarks/.cache, loads the province once with chibo-gen-sample and runs report-bench
// (see docs/BENCHMARKS.md, "Reports").

import PackageDescription

let package = Package(
    name: "ChiboReportBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Chibo", path: "..")
    ],
    targets: [
        // Calls the reports repeatedly and prints p50, p95 and max against the targets.
        .executableTarget(
            name: "report-bench",
            dependencies: [
                .product(name: "ChiboClient", package: "Chibo"),
                .product(name: "ChiboModel", package: "Chibo"),
                .product(name: "ChiboCodec", package: "Chibo"),
            ],
            swiftSettings: [.treatAllWarnings(as: .error)]
        )
    ]
)
