import Foundation
import Testing
import SiftData
import SiftEngine
import SiftInference
import SiftTestSupport
@testable import SiftTrain

/// `--long-text window` training: every window of a long text trains with the text's label, and
/// the validation / test figures are per document, its windows combined exactly as `sift
/// predict --long-text window` combines them.
@Suite struct LongTextTrainingTests {
    static func dataset(_ n: Int, seed: Int) -> LabeledDataset {
        let good = ["great", "value", "fast", "delivery", "love", "quality"], bad = ["slow", "broken", "refund", "late", "poor", "damaged"]
        var ex: [LabeledExample] = []
        for i in 0..<n {
            let words = i % 2 == 0 ? good : bad
            // 40–70 words: several windows of 16 tokens each.
            let text = (0..<(40 + (i * 7 + seed) % 30)).map { words[($0 * 5 + i + seed) % words.count] }.joined(separator: " ")
            ex.append(LabeledExample(text: text, labels: [i % 2 == 0 ? "positive" : "negative"], line: i + 1))
        }
        return LabeledDataset(examples: ex)
    }

    @Test func windowsTrainAndDocumentsAreScoredAsPredictScoresThem() throws {
        let out = scratchFolder("long-text-train")
        var o = TrainingOptions()
        o.epochs = 2; o.batchSize = 8; o.maxLength = 16; o.learningRate = 1e-3; o.progress = false
        o.longText = LongTextOptions(mode: .window, stride: 4, aggregation: .max, maxWindows: 8)
        let train = Self.dataset(12, seed: 0), val = Self.dataset(6, seed: 3), test = Self.dataset(6, seed: 5)
        let trainer = try Trainer(base: TestPaths.fixture("entities/tiny-cls"), train: train, eval: val, test: test, options: o, out: out)
        #expect(trainer.train.count > trainer.train.documents, "rows are windows")
        #expect(trainer.train.documents == 12)
        let summary = try trainer.run()
        let t = try #require(summary.test)
        #expect(t.examples == 6, "the test figures count documents, not windows")
        // The saved model, run as `sift predict --long-text window` runs it, gives the same accuracy.
        let bundle = try ModelBundle(directory: out, maxLength: 16)
        let predictions = try OfflineRunner(bundle: bundle).classify(test.examples.map(\.text), with: try bundle.requireClassifier(), longText: o.longText)
        let labels = bundle.labels
        let correct = zip(predictions, test.examples).filter { p, e in labels[p.scores.indices.max { p.scores[$0] < p.scores[$1] }!] == e.label }.count
        #expect(abs(Double(correct) / 6 - (t.accuracy ?? -1)) < 1e-9)
        // Pairs cannot be windowed.
        let pairs = LabeledDataset(examples: [LabeledExample(text: "a", textPair: "b", labels: ["x"]), LabeledExample(text: "c", textPair: "d", labels: ["y"])])
        #expect(throws: TrainError.self) { try Trainer(base: TestPaths.fixture("entities/tiny-cls"), train: pairs, eval: pairs, options: o, out: out) }
    }
}
