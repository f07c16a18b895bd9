// swift-tools-version: 6.1
import PackageDescription

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
    ],
    targets: [
        // Hugging Face-compatible text -> ids (WordPiece, BERT normalizer, post-processing).
        .target(name: "SiftTokenizers"),
        // Debian's libopenblas-dev, exposed to Swift.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Tensors, safetensors, BERT forward/backward.
        .target(name: "SiftEngine", dependencies: ["COpenBLAS", "SiftTokenizers"]),
        // Reading CSV/TSV/JSONL/text, cleaning, splitting, PII redaction.
        .target(name: "SiftData", dependencies: ["SiftTokenizers"]),
        // Metrics (scikit-learn parity) and HTML/SVG reports.
        .target(name: "SiftEval", dependencies: ["SiftData"]),
        // Losses, AdamW, schedules, the trainer and checkpoints.
        .target(name: "SiftTrain", dependencies: ["SiftEngine", "SiftData", "SiftEval"]),
        // The HTTP service.
        .target(name: "SiftServer", dependencies: ["SiftEngine", "SiftData"]),
        // Subcommands as a library, so tests can parse and run them.
        .target(name: "SiftCLI", dependencies: [
            "SiftTokenizers", "SiftEngine", "SiftData", "SiftEval", "SiftTrain", "SiftServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "sift", dependencies: [
            "SiftCLI", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Shared helpers for tests: fixture and model locations.
        .target(name: "SiftTestSupport", path: "Tests/SiftTestSupport"),
        .testTarget(name: "SiftTokenizersTests", dependencies: ["SiftTokenizers", "SiftTestSupport"]),
        .testTarget(name: "SiftEngineTests", dependencies: ["SiftEngine", "SiftTestSupport"]),
        .testTarget(name: "SiftDataTests", dependencies: ["SiftData", "SiftTestSupport"]),
        .testTarget(name: "SiftEvalTests", dependencies: ["SiftEval", "SiftTestSupport"]),
        .testTarget(name: "SiftTrainTests", dependencies: ["SiftTrain", "SiftTestSupport"]),
        .testTarget(name: "SiftServerTests", dependencies: ["SiftServer", "SiftTestSupport"]),
        .testTarget(name: "SiftCLITests", dependencies: ["SiftCLI", "SiftTestSupport"]),
    ]
)
