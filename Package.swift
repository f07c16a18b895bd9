// swift-tools-version: 6.1
import PackageDescription

// oneDNN 3.2 (Apache-2.0) from PyPI, unpacked by scripts/setup.sh into .deps/onednn (git-ignored).
let onednn = Context.packageDirectory + "/.deps/onednn"

// Targets are one per concern; see ARCHITECTURE.md for how data flows between them.
let package = Package(
    name: "Sift",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sift", targets: ["sift"]),
        .library(name: "SiftTokenizers", targets: ["SiftTokenizers"]),
        .library(name: "SiftEngine", targets: ["SiftEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SiftServer only: HTTP, auth, audit, metrics, config.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.1.0"),
        // Deque for the inference queue; Real for the kernels generic over Float and Double.
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // What every layer shares: the one atomic file writer, progress reporting.
        .target(name: "SiftCore"),
        // Hugging Face-compatible text -> ids (WordPiece, BERT normalizer, post-processing).
        .target(name: "SiftTokenizers"),
        // Debian's libopenblas-dev, exposed to Swift.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Before main: OpenBLAS kernels matched to the CPU's instruction sets, not its model number.
        .target(name: "CBLASKernels", dependencies: ["COpenBLAS"]),
        // Dense layers on oneDNN: weights pre-packed once per precision (fp32, bf16, int8).
        .target(name: "CDNNL",
                cSettings: [.unsafeFlags(["-I", onednn + "/include", "-O3"])],
                linkerSettings: [.unsafeFlags(["-L", onednn + "/lib", "-Xlinker", "-rpath", "-Xlinker", onednn + "/lib"]),
                                 .linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
        // Numerics only: tensors, safetensors, BERT forward/backward, pooling ops.
        .target(name: "SiftEngine", dependencies: [
            "COpenBLAS", "CBLASKernels", "CDNNL", "SiftCore",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        // Text -> encodings (tokenized once) -> queue -> packed batches -> engine -> heads -> results.
        .target(name: "SiftInference", dependencies: [
            "SiftEngine", "SiftTokenizers", "SiftCore",
            .product(name: "DequeModule", package: "swift-collections"),
        ]),
        // Reading CSV/TSV/JSONL/text, cleaning, splitting, PII redaction.
        .target(name: "SiftData", dependencies: [
            "SiftTokenizers", "SiftCore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Yams", package: "Yams"),
        ]),
        // Metrics (scikit-learn parity) and HTML/SVG reports.
        .target(name: "SiftEval", dependencies: ["SiftData", "SiftCore"]),
        // Losses, AdamW, schedules, the trainer and checkpoints.
        .target(name: "SiftTrain", dependencies: [
            "SiftEngine", "SiftInference", "SiftData", "SiftEval", "SiftCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The HTTP service.
        .target(name: "SiftServer", dependencies: [
            "SiftTokenizers", "SiftEngine", "SiftInference", "SiftData", "SiftCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Benchmarks and demo-only code (load generator, engine benchmark, BBC loader), kept out of the product targets.
        .target(name: "SiftBench", dependencies: [
            "SiftEngine", "SiftInference", "SiftData", "SiftEval", "SiftTrain", "SiftServer", "SiftCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Subcommands as a library, so tests can parse and run them.
        .target(name: "SiftCLI", dependencies: [
            "SiftTokenizers", "SiftEngine", "SiftInference", "SiftData", "SiftEval", "SiftTrain", "SiftServer", "SiftBench",
            "SiftCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "sift", dependencies: [
            "SiftCLI", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Shared helpers for tests: fixture and model locations.
        .target(name: "SiftTestSupport", path: "Tests/SiftTestSupport"),
        .testTarget(name: "SiftCoreTests", dependencies: ["SiftCore", "SiftTestSupport"]),
        .testTarget(name: "SiftInferenceTests", dependencies: ["SiftInference", "SiftEngine", "SiftTokenizers", "SiftTestSupport"]),
        .testTarget(name: "SiftTokenizersTests", dependencies: ["SiftTokenizers", "SiftTestSupport"]),
        // The parity tests run the heads, which live in SiftInference.
        .testTarget(name: "SiftEngineTests", dependencies: ["SiftEngine", "SiftInference", "SiftCore", "SiftTestSupport"]),
        .testTarget(name: "SiftDataTests", dependencies: ["SiftData", "SiftCore", "SiftTestSupport"]),
        .testTarget(name: "SiftEvalTests", dependencies: ["SiftEval", "SiftData", "SiftTestSupport"]),
        .testTarget(name: "SiftTrainTests", dependencies: ["SiftTrain", "SiftCore", "SiftTestSupport"]),
        .testTarget(name: "SiftServerTests", dependencies: [
            "SiftServer", "SiftInference", "SiftData", "SiftTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "SiftCLITests", dependencies: ["SiftCLI", "SiftCore", "SiftTestSupport"]),
        .testTarget(name: "SiftBenchTests", dependencies: ["SiftBench", "SiftData", "SiftTestSupport"]),
    ]
)
