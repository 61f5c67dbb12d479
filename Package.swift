// swift-tools-version:6.0
import PackageDescription

/// ecgd: an ECG analysis daemon speaking JSON-RPC 2.0 over stdio and TCP.
///
/// Dependencies point one way: `ecgd` -> `ECGService` -> the four libraries (`JSONRPC`,
/// `ECGSignal`, `ECGInference`, `ECGPlot`), which do not depend on each other; below them all,
/// `JSON` (the one JSON value, parser, serializer and Codable bridge), which `JSONRPC` re-exports
/// and `ECGInference` reads model files with. The executable also uses `JSONRPC` (the server),
/// `ECGSignal` and `ECGInference` (its one-shot tools) directly.
/// `make test` builds with `--explicit-target-dependency-import-check error`, so a target can
/// import only what it declares here (see CONTRIBUTING.md).
///
/// Linux only: the transports and tests call Glibc directly, and the project is built and tested
/// on Debian alone, so the manifest claims no Apple platform.
let package = Package(
    name: "ecgd",
    products: [
        .executable(name: "ecgd", targets: ["ecgd"]),
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "JSONRPC", targets: ["JSONRPC"]),
        .library(name: "ECGSignal", targets: ["ECGSignal"]),
        .library(name: "ECGInference", targets: ["ECGInference"]),
        .library(name: "ECGPlot", targets: ["ECGPlot"]),
        .library(name: "ECGService", targets: ["ECGService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        // System libraries, found through pkg-config (see scripts/bootstrap.sh).
        .systemLibrary(
            name: "CCairo", pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(
            name: "CFLAC", pkgConfig: "flac",
            providers: [.apt(["libflac-dev"])]),
        // zlib for ECGPlot: the CRC-32 of PNG chunks (ZIPFoundation already names its zlib module CZlib).
        .systemLibrary(name: "CDeflate", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // glibc's allocator settings (mallopt) for the daemon; part of libc, nothing to link.
        .systemLibrary(name: "CMalloc"),

        // JSON values: parser, serializer, and Codable to and from values. No dependencies.
        .target(name: "JSON"),
        // JSON-RPC 2.0 with LSP base-protocol framing. Knows nothing about ECG.
        .target(
            name: "JSONRPC",
            dependencies: [
                "JSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Recordings, readers, filters, resampling, QRS detection, scoring.
        .target(name: "ECGSignal", dependencies: ["CSignalKernels", "CFLAC"]),
        // Vector kernels for ECGSignal's QRS feature (instruction set chosen at run time).
        .target(name: "CSignalKernels"),
        // SIMD GEMM micro-kernels (AVX-512 / AVX2 / portable, chosen at run time) for ECGInference.
        .target(name: "CInferenceKernels"),
        // Tensors, operators, graph executor, ONNX and Keras loaders.
        .target(
            name: "ECGInference",
            dependencies: [
                "CInferenceKernels", "JSON",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            exclude: ["ONNX/onnx.proto"]),
        // ECG paper rendering through Cairo (PNG, SVG and PDF; PNG compressed with zlib directly).
        .target(name: "ECGPlot", dependencies: ["CCairo", "CDeflate"]),
        // The ecgd methods, the model registry actor, payload decoding and limits.
        .target(
            name: "ECGService",
            dependencies: [
                "JSON", "JSONRPC", "ECGSignal", "ECGInference", "ECGPlot",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The daemon and its one-shot subcommands.
        .executableTarget(
            name: "ecgd",
            dependencies: [
                "ECGService", "JSON", "JSONRPC", "ECGSignal", "ECGInference", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Helpers shared by the test targets (a seedable random generator).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "JSONRPCTests",
            dependencies: [
                "JSON", "JSONRPC", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "ECGSignalTests", dependencies: ["ECGSignal", "CSignalKernels", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ECGInferenceTests", dependencies: ["ECGInference", "TestSupport"], resources: [.copy("Fixtures")]),
        // Decodes PNGs (through Cairo) for the tests that look at pictures.
        .target(name: "PlotTestSupport", dependencies: ["CCairo"], path: "Tests/PlotTestSupport"),
        .testTarget(name: "ECGPlotTests", dependencies: ["ECGPlot", "PlotTestSupport", "CDeflate"]),
        .testTarget(
            name: "ECGServiceTests",
            dependencies: [
                "ECGService", "JSONRPC", "ECGSignal", "ECGInference", "ECGPlot",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "JSONRPC", "PlotTestSupport",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
