import Foundation
import Testing
@testable import SiftCLI
import SiftData
import SiftTestSupport

/// `sift demo`'s split and selection on a tiny stand-in for BBC news (three topics of
/// generated sentences) and the tiny random BERT: fast in debug, same code path as the real demo.
@Suite struct DemoCommandTests {
    static let families: [String: [String]] = [
        "city": ["city", "state", "people", "world", "school", "years"],
        "time": ["time", "year", "later", "during", "before", "now"],
        "talk": ["said", "know", "would", "could", "what", "about"],
    ]

    static func dataset(perLabel: Int) -> LabeledDataset {
        var rng = SeededGenerator(seed: 5)
        var examples: [LabeledExample] = []
        for label in families.keys.sorted() {
            for i in 0..<perLabel {
                let words = (0..<(4 + Int(rng.next() % 5))).map { _ in families[label]![Int(rng.next() % 6)] }
                examples.append(LabeledExample(text: words.joined(separator: " ") + " \(i)", labels: [label], line: i + 1))
            }
        }
        return LabeledDataset(examples: examples)
    }

    @Test func theTestSplitIsTheOldHeldOutSetAndValidationComesFromTheRest() throws {
        let d = Self.dataset(perLabel: 30)
        let parts = try DemoSplit(d, testShare: 0.2, validationShare: 0.1, seed: 42)
        // The same test documents as the demo's former 80/20 split with the same seed.
        let old = try StratifiedSplit.split(d, train: 0.8, validation: 0, test: 0.2, seed: 42)
        #expect(parts.test.examples.map(\.text) == old.test.map { d.examples[$0].text })
        let rest = Set(old.train.map { d.examples[$0].text })
        let train = Set(parts.train.examples.map(\.text)), validation = Set(parts.validation.examples.map(\.text))
        #expect(train.isDisjoint(with: validation))
        #expect(train.union(validation) == rest)
        #expect(Set(parts.test.examples.map(\.text)).isDisjoint(with: rest))
        // Stratified: each topic has its share of the 72 remaining documents in validation.
        #expect(parts.validation.examples.count == 7 || parts.validation.examples.count == 8)
        #expect(Set(parts.validation.examples.map(\.label)).count == 3)
        #expect(parts.test.labelNames == d.labelNames && parts.validation.labelNames == d.labelNames)
    }

    @Test func demoSelectsOnValidationAndReportsTheTestSplit() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bbc = dir.appendingPathComponent("bbc"), out = dir.appendingPathComponent("out")
        let d = Self.dataset(perLabel: 15)
        for label in d.labelNames {
            try FileManager.default.createDirectory(at: bbc.appendingPathComponent(label), withIntermediateDirectories: true)
        }
        for (i, e) in d.examples.enumerated() {
            try Data(e.text.utf8).write(to: bbc.appendingPathComponent("\(e.label)/\(String(format: "%03d", i)).txt"))
        }
        let cmd = try #require(try SiftCommand.parseAsRoot([
            "demo", "--base", TestPaths.fixture("train/tiny-base").path, "--data", bbc.path, "--out", out.path,
            "--epochs", "2", "--max-length", "16", "--learning-rate", "1e-3", "--validation-share", "0.2", "--quiet",
        ]) as? DemoCommand)
        try await cmd.run()
        // Two validation evaluations, no test entry: the trainer never saw the test split.
        let log = try String(contentsOf: out.appendingPathComponent("model/training_log.jsonl"), encoding: .utf8)
        let kinds = log.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }.map { $0["type"] as? String }
        #expect(kinds.filter { $0 == "eval" }.count == 2)
        #expect(!kinds.contains("test"))
        let page = try String(contentsOf: out.appendingPathComponent("report/index.html"), encoding: .utf8)
        #expect(page.contains("scored once with the selected model"))
        #expect(page.contains("best on the validation split"))
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["demo", "--validation-share", "1.5"]) }
    }
}
