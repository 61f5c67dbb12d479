// swift-tools-version:6.0
import PackageDescription

/// libFuzzer targets for ecgd, kept out of the main package so that `swift build` and `make test`
/// never compile them. `make fuzz` builds this package with `-sanitize=fuzzer,address` and runs
/// each target for a bounded time (see Fuzz/README.md).
let package = Package(
    name: "ecgd-fuzz",
    dependencies: [
        .package(path: "ecgd"),  // a link to the repository root, so the package is named ecgd wherever it is cloned
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // One libFuzzer executable; ECGD_FUZZ_TARGET chooses the target it runs.
        .executableTarget(
            name: "ecgd-fuzz",
            dependencies: [
                .product(name: "JSON", package: "ecgd"),
                .product(name: "JSONRPC", package: "ecgd"),
                .product(name: "ECGSignal", package: "ecgd"),
                .product(name: "ECGInference", package: "ecgd"),
                .product(name: "ECGService", package: "ecgd"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/ECGDFuzz")
    ],
    swiftLanguageModes: [.v6]
)
