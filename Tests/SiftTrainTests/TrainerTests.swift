import Foundation
import Testing
import SiftData
import SiftEngine
import SiftCore
import SiftTestSupport
@testable import SiftTrain
import SiftInference

/// Text and a counter behind a lock, for closures the trainer calls.
final class Captured: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    private var count = 0.0
    func add(_ s: String) { lock.withLock { value += s } }
    var text: String { lock.withLock { value } }
    func tick() -> Double { lock.withLock { count += 1; return count } }
}

/// End-to-end training on a tiny random BERT (fixture `train/tiny-base`: a BertModel with pooler
/// and a real WordPiece vocabulary) with a synthetic, learnable task: the label is which
/// word family the sentence is built from.
enum TinyTask {
    static let families: [String: [String]] = [
        "city": ["city", "state", "people", "world", "school", "years"],
        "time": ["time", "year", "later", "during", "before", "now"],
        "talk": ["said", "know", "would", "could", "what", "about"],
    ]

    static func dataset(_ n: Int, seed: UInt64) -> LabeledDataset {
        var rng = SeededGenerator(seed: seed)
        let names = families.keys.sorted()
        let examples = (0..<n).map { i -> LabeledExample in
            let label = names[i % names.count]
            let words = (0..<(3 + Int(rng.next() % 6))).map { _ in families[label]![Int(rng.next() % 6)] }
            return LabeledExample(text: words.joined(separator: " "), labels: [label], line: i + 2)
        }
        return LabeledDataset(examples: examples)
    }

    static var base: URL { TestPaths.fixture("train/tiny-base") }

    static func options(_ mode: TrainingMode = .full, epochs: Int = 3) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs; o.batchSize = 8; o.learningRate = 1e-3; o.maxLength = 16; o.progress = false
        o.mode = mode; o.warmupRatio = 0.1
        return o
    }

    static func tempDir() -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("sift-train-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
}

@Suite struct TrainerTests {
    @Test func fullFineTuningLearnsAndWritesAHuggingFaceFolder() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let o = TinyTask.options(epochs: 4)
        let trainer = try Trainer(base: TinyTask.base, train: TinyTask.dataset(60, seed: 1), eval: TinyTask.dataset(24, seed: 2),
                                  options: o, out: out)
        let summary = try trainer.run()
        let accs = summary.epochs.compactMap(\.accuracy)
        print("tiny full fine-tuning: \(summary.epochs.map { ($0.trainLoss, $0.accuracy ?? -1) })")
        #expect(summary.epochs.count == 4)
        #expect(summary.epochs.last!.trainLoss < summary.epochs.first!.trainLoss)
        #expect((accs.max() ?? 0) >= 0.9, "accuracies \(accs)")

        // The folder is a BertForSequenceClassification that the engine loads back.
        let cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(cfg["architectures"] as? [String] == ["BertForSequenceClassification"])
        #expect(cfg["problem_type"] as? String == "single_label_classification")
        #expect((cfg["id2label"] as? [String: String])?["0"] == "city")
        #expect((cfg["label2id"] as? [String: Int])?["time"] == 2)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("vocab.txt").path))
        let names = try SafetensorsFile(url: out.appendingPathComponent("model.safetensors")).tensors.keys
        #expect(names.contains("bert.encoder.layer.0.attention.self.query.weight") && names.contains("classifier.weight"))
        let loaded = try SequenceClassifier(directory: out)
        #expect(loaded.labels == ["city", "talk", "time"])

        // JSONL log: a line per step and per evaluation.
        let lines = try String(contentsOf: trainer.logURL, encoding: .utf8).split(separator: "\n")
        let kinds = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }.map { $0["type"] as? String }
        #expect(kinds.filter { $0 == "eval" }.count == 4)
        #expect(kinds.filter { $0 == "step" }.count == 4 * 8)  // 60 examples / batch 8 = 8 steps per epoch
    }

    @Test func resumingFromTheCheckpointEqualsTrainingStraight() throws {
        let a = TinyTask.tempDir(), b = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let train = TinyTask.dataset(30, seed: 3), eval = TinyTask.dataset(9, seed: 4)
        let straight = try Trainer(base: TinyTask.base, train: train, eval: eval, options: TinyTask.options(epochs: 2), out: a)
        #expect(straight.dropoutRates.hidden > 0 && straight.dropoutRates.attention > 0, "resume must hold with dropout on")
        _ = try straight.run()
        // Run 1 epoch of a 2-epoch plan (same schedule), then resume in a fresh trainer.
        var o = TinyTask.options(epochs: 2)
        o.epochs = 2
        let first = try Trainer(base: TinyTask.base, train: train, eval: eval, options: o, out: b)
        first.stopAfterEpochs = 1
        _ = try first.run()
        let second = try Trainer(base: TinyTask.base, train: train, eval: eval, options: o, out: b)
        _ = try second.run(resume: true)
        expectClose(Array(second.model.parameters.storage), Array(straight.model.parameters.storage),
                    atol: 0, rtol: 0, "resumed parameters")
    }

    @Test func headOnlyTrainsOnlyTheClassifier() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        var o = TinyTask.options(.headOnly, epochs: 3)
        o.learningRate = 1e-2
        let trainer = try Trainer(base: TinyTask.base, train: TinyTask.dataset(60, seed: 5), eval: TinyTask.dataset(24, seed: 6),
                                  options: o, out: out)
        let before = Array(trainer.model.parameters.storage)
        let summary = try trainer.run()
        #expect(summary.epochs.last!.trainLoss < summary.epochs.first!.trainLoss)
        let cls = trainer.model.layout["classifier.weight"]!.offset
        let after = Array(trainer.model.parameters.storage)
        #expect(Array(after[0..<cls]) == Array(before[0..<cls]), "encoder and pooler must stay frozen")
        #expect(Array(after[cls...]) != Array(before[cls...]))
    }

    @Test func earlyStoppingStopsAfterPatience() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        var o = TinyTask.options(epochs: 6)
        o.learningRate = 1e-9   // accuracy cannot change after the first evaluation
        o.patience = 2
        o.metric = .accuracy
        let trainer = try Trainer(base: TinyTask.base, train: TinyTask.dataset(16, seed: 7), eval: TinyTask.dataset(6, seed: 8),
                                  options: o, out: out)
        let s = try trainer.run()
        #expect(s.stoppedEarly)
        #expect(s.epochs.count == 3, "best at epoch 1, then 2 epochs without improvement")
        #expect(s.bestEpoch == 1)
    }

    /// The test set plays no part in selection: the same run with a test set whose labels are all
    /// wrong picks the same epoch and saves byte-identical weights; the in-memory model is the
    /// last epoch's either way.
    @Test func theTestSetNeverInfluencesSelection() throws {
        let a = TinyTask.tempDir(), b = TinyTask.tempDir(), c = TinyTask.tempDir()
        defer { for d in [a, b, c] { try? FileManager.default.removeItem(at: d) } }
        let train = TinyTask.dataset(48, seed: 11), eval = TinyTask.dataset(12, seed: 12), test = TinyTask.dataset(15, seed: 13)
        let names = test.labelNames
        let flipped = LabeledDataset(examples: test.examples.map { e in
            var f = e
            f.labels = [names[(names.firstIndex(of: e.label)! + 1) % names.count]]
            return f
        }, labelNames: names)
        let o = TinyTask.options(epochs: 3)
        let honest = try Trainer(base: TinyTask.base, train: train, eval: eval, test: test, options: o, out: a)
        let liar = try Trainer(base: TinyTask.base, train: train, eval: eval, test: flipped, options: o, out: b)
        let none = try Trainer(base: TinyTask.base, train: train, eval: eval, options: o, out: c)
        let (sa, sb, sc) = (try honest.run(), try liar.run(), try none.run())
        #expect(sa.bestEpoch == sb.bestEpoch && sb.bestEpoch == sc.bestEpoch)
        func figures(_ s: Trainer.Summary) -> [[Double]] { s.epochs.map { [$0.trainLoss, $0.evalLoss, $0.metric] } }
        #expect(figures(sa) == figures(sb) && figures(sb) == figures(sc))
        let weights = try [a, b, c].map { try Data(contentsOf: $0.appendingPathComponent("model.safetensors")) }
        #expect(weights[0] == weights[1] && weights[1] == weights[2])
        #expect(Array(honest.model.parameters.storage) == Array(none.model.parameters.storage), "weights restored after scoring")
        #expect(sc.test == nil)
        let ta = try #require(sa.test), tb = try #require(sb.test)
        #expect(ta.epoch == sa.bestEpoch && ta.examples == 15)
        #expect((ta.accuracy ?? 0) > (tb.accuracy ?? 1), "flipped labels score worse: \(ta) vs \(tb)")
        // Scored exactly once: one "test" line in the log, and the figures written next to the model.
        let kinds = try String(contentsOf: honest.logURL, encoding: .utf8).split(separator: "\n")
            .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }.map { $0["type"] as? String }
        #expect(kinds.filter { $0 == "test" }.count == 1)
        #expect(kinds.last == "test", "after the last epoch")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: honest.testMetricsURL)) as? [String: Any])
        #expect(json["epoch"] as? Int == ta.epoch)
        #expect(abs((json["accuracy"] as? Double ?? -1) - (ta.accuracy ?? 0)) < 1e-12)
    }

    /// Scored with the saved best model, not the last epoch's weights: with the validation set as
    /// the test set, the test figures are the best epoch's validation figures.
    @Test func theTestSetIsScoredWithTheSelectedModel() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        var o = TinyTask.options(epochs: 4)
        o.learningRate = 3e-3
        o.metric = .loss
        let eval = TinyTask.dataset(12, seed: 15)
        let trainer = try Trainer(base: TinyTask.base, train: TinyTask.dataset(40, seed: 14), eval: eval, test: eval, options: o, out: out)
        let s = try trainer.run()
        let best = try #require(s.epochs.first { $0.epoch == s.bestEpoch })
        let t = try #require(s.test)
        #expect(abs(t.loss - best.evalLoss) < 1e-6, "test loss \(t.loss), best validation loss \(best.evalLoss), epochs \(s.epochs.map(\.evalLoss))")
        #expect(t.accuracy == best.accuracy)
        #expect(t.metric == t.loss)
    }

    @Test func headOnlyScoresTheTestSetToo() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        var o = TinyTask.options(.headOnly, epochs: 2)
        o.learningRate = 1e-2
        let eval = TinyTask.dataset(12, seed: 17)
        let trainer = try Trainer(base: TinyTask.base, train: TinyTask.dataset(30, seed: 16), eval: eval, test: eval, options: o, out: out)
        let s = try trainer.run()
        let best = try #require(s.epochs.first { $0.epoch == s.bestEpoch })
        #expect(abs((s.test?.loss ?? -1) - best.evalLoss) < 1e-6)
    }

    @Test func progressLinesGoToTheLogWhenNotOnATerminal() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        var o = TinyTask.options(epochs: 2)
        o.progress = true
        let captured = Captured()
        let trainer = try Trainer(base: TinyTask.base, train: TinyTask.dataset(24, seed: 18), eval: TinyTask.dataset(6, seed: 19),
                                  options: o, out: out)
        // A clock that advances 1 s per reading and a 2-second interval: lines while epochs run.
        let tick = Captured()
        trainer.makeProgress = { total, style in
            #expect(style != .off)
            return ProgressReporter(total: total, style: .lines(interval: 2), clock: { tick.tick() }, write: { captured.add($0) })
        }
        _ = try trainer.run()
        let lines = captured.text.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("epoch ") && $0.contains("/6 (") }, "\(lines)")  // 24 / 8 = 3 steps x 2 epochs
        #expect(lines.last?.contains("step 6/6 (100%)") == true)
        #expect(lines.contains { $0.contains("ex/s") && $0.contains("loss ") })
    }

    @Test func batchesAreSeededBucketedAndCoverEveryExample() {
        let lengths = (0..<100).map { ($0 * 37) % 23 + 2 }
        let a = Batching.epochBatches(lengths: lengths, batchSize: 8, seed: 42, epoch: 0)
        #expect(a == Batching.epochBatches(lengths: lengths, batchSize: 8, seed: 42, epoch: 0))
        #expect(a != Batching.epochBatches(lengths: lengths, batchSize: 8, seed: 42, epoch: 1))
        #expect(a.flatMap { $0 }.sorted() == Array(0..<100))
        // Bucketing: the spread of lengths inside a batch is far below the data's spread.
        let spread = a.map { b in (b.map { lengths[$0] }.max()! - b.map { lengths[$0] }.min()!) }
        #expect(Double(spread.reduce(0, +)) / Double(spread.count) < 6)
    }
}
