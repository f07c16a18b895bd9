import Foundation
import Testing
import SiftData
import SiftTestSupport
@testable import SiftTrain

/// `--oversample`, `--class-weights` and `--pos-weight`: what each computes from the training
/// data, and that the trainer trains with it.
@Suite struct ImbalanceTests {
    @Test func oversamplingKeepsEveryRowAndTopsEachClassUpToTheLargest() {
        let classes = Array(repeating: 0, count: 50) + Array(repeating: 1, count: 7) + Array(repeating: 2, count: 3)
        let rows = Oversampling.epochRows(classes: classes, seed: 42, epoch: 0)
        #expect(rows.count == 150 && Oversampling.epochCount(classes: classes) == 150)
        #expect(Array(rows.prefix(60)) == Array(0..<60), "every original row once, first")
        var perClass = [0, 0, 0]
        for r in rows { perClass[classes[r]] += 1 }
        #expect(perClass == [50, 50, 50])
        // Extra copies come only from their own class and spread over its members.
        #expect(Set(rows[60..<103].map { classes[$0] }) == [1])
        #expect(Set(rows[60..<103]) == Set(50..<57))
        // Seeded per run and epoch: a resumed run draws the same rows, the next epoch others.
        #expect(rows == Oversampling.epochRows(classes: classes, seed: 42, epoch: 0))
        #expect(rows != Oversampling.epochRows(classes: classes, seed: 42, epoch: 1))
        #expect(rows != Oversampling.epochRows(classes: classes, seed: 7, epoch: 0))
        // Balanced data is left as it is.
        #expect(Oversampling.epochRows(classes: [0, 1, 1, 0], seed: 1, epoch: 3) == [0, 1, 2, 3])
    }

    @Test func oversampledEpochsBatchEveryDrawnRow() {
        let classes = Array(repeating: 0, count: 30) + Array(repeating: 1, count: 4)
        let rows = Oversampling.epochRows(classes: classes, seed: 3, epoch: 0)
        let batches = Batching.epochBatches(lengths: classes.map { 5 + $0 }, rows: rows, batchSize: 8, seed: 3, epoch: 0)
        #expect(batches.flatMap { $0 }.sorted() == rows.sorted())
    }

    @Test func balancedWeightsFollowScikitLearnAndNegativesOverPositives() throws {
        // compute_class_weight("balanced", classes, y) = n / (k · count): 10 / (3 · [6, 3, 1]).
        let w = try LabelWeighting.balanced.classWeights(counts: ["a": 6, "b": 3, "c": 1])
        #expect(abs(w["a"]! - 10.0 / 18) < 1e-12 && abs(w["b"]! - 10.0 / 9) < 1e-12 && abs(w["c"]! - 10.0 / 3) < 1e-12)
        // A label absent from the data keeps weight 1 (the loss never sees it as a target).
        #expect(try LabelWeighting.balanced.classWeights(counts: ["a": 2, "b": 2, "z": 0]) == ["a": 1, "b": 1])
        // pos_weight = negatives / positives per label; a label on no (or every) example keeps 1.
        let p = try LabelWeighting.balanced.positiveWeights(positives: ["x": 5, "y": 20, "none": 0, "all": 25], total: 25)
        #expect(p == ["x": 4, "y": 0.25, "none": 1, "all": 1])
        #expect(try LabelWeighting(parsing: "2.5").positiveWeights(positives: ["x": 1, "y": 2], total: 4) == ["x": 2.5, "y": 2.5])
        #expect(LabelWeighting(parsing: "balanced") == .balanced)
    }

    @Test func weightFilesAreReadAndBadOnesNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ name: String, _ text: String) throws -> String {
            let u = dir.appendingPathComponent(name)
            try text.write(to: u, atomically: true, encoding: .utf8)
            return u.path
        }
        let counts = ["pos": 3, "neg": 9]
        let tsv = try file("w.tsv", "# weights\npos\t3\n\nneg\t0.5\n")
        #expect(try LabelWeighting(parsing: tsv).classWeights(counts: counts) == ["pos": 3, "neg": 0.5])
        let json = try file("w.json", #"{"pos": 2, "neg": 1}"#)
        #expect(try LabelWeighting(parsing: json).positiveWeights(positives: counts, total: 12) == ["pos": 2, "neg": 1])
        func message(_ text: String) throws -> String {
            let path = try file("bad-\(UUID().uuidString).tsv", text)
            do { _ = try LabelWeighting(parsing: path).classWeights(counts: counts); return "no error" } catch {
                return (error as? LocalizedError)?.errorDescription ?? "\(error)"
            }
        }
        #expect(try message("pos\t1\nneg 2\n").hasSuffix(":2: expected label<TAB>weight"))
        #expect(try message("pos\t1\npos\t2\n").hasSuffix(":2: 'pos' is given twice"))
        #expect(try message("spam\t1\n").contains("'spam' is not a label of the training data (neg, pos)"))
        #expect(try message("pos\t-1\n").contains("weight of 'pos' must be a positive number, found -1.0"))
        #expect(throws: TrainError.self) { try LabelWeighting.uniform(0).positiveWeights(positives: counts, total: 12) }
        #expect(throws: TrainError.self) { try LabelWeighting(parsing: dir.appendingPathComponent("missing.tsv").path).classWeights(counts: counts) }
    }

    /// A skewed version of the tiny task: 40 "city", 8 "talk", 4 "time".
    static func skewed() -> LabeledDataset {
        let all = TinyTask.dataset(120, seed: 5).examples
        var kept: [LabeledExample] = [], n: [String: Int] = [:]
        let cap = ["city": 40, "talk": 8, "time": 4]
        for e in all where n[e.label, default: 0] < cap[e.label]! { kept.append(e); n[e.label, default: 0] += 1 }
        return LabeledDataset(examples: kept)
    }

    @Test func theTrainerStepsThroughTheOversampledEpoch() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        var o = TinyTask.options(epochs: 2)
        o.oversample = true
        let trainer = try Trainer(base: TinyTask.base, train: Self.skewed(), eval: TinyTask.dataset(12, seed: 9), options: o, out: out)
        let s = try trainer.run()
        #expect(s.epochs.count == 2)
        // 3 classes × 40 rows = 120 per epoch → 15 steps of 8, against 7 without oversampling.
        let steps = try String(contentsOf: trainer.logURL, encoding: .utf8).split(separator: "\n").filter { $0.contains(#""type":"step""#) }
        #expect(steps.count == 30)
    }

    @Test func multiLabelTrainsWithPositiveWeightsAndRefusesClassOptions() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let multi = LabeledDataset(examples: TinyTask.dataset(24, seed: 2).examples.enumerated().map { i, e in
            LabeledExample(text: e.text, labels: i % 3 == 0 ? [e.label, "extra"] : [e.label], line: e.line)
        }, multiLabel: true)
        var o = TinyTask.options(epochs: 1)
        o.positiveWeights = ["extra": 2, "city": 0.5]
        let trainer = try Trainer(base: TinyTask.base, train: multi, eval: multi, options: o, out: out)
        let loss = try #require(trainer.makeLoss() as? BCEWithLogitsLoss)
        #expect(loss.posWeight == trainer.labels.map { ["extra": 2, "city": 0.5][$0] ?? 1 })
        var bad = TinyTask.options(epochs: 1)
        bad.oversample = true
        #expect(throws: TrainError.self) { try Trainer(base: TinyTask.base, train: multi, eval: multi, options: bad, out: out) }
        bad = TinyTask.options(epochs: 1)
        bad.classWeights = ["extra": 2]
        #expect(throws: TrainError.self) { try Trainer(base: TinyTask.base, train: multi, eval: multi, options: bad, out: out) }
        bad = TinyTask.options(epochs: 1)
        bad.positiveWeights = ["city": 2]
        #expect(throws: TrainError.self) { try Trainer(base: TinyTask.base, train: Self.skewed(), eval: Self.skewed(), options: bad, out: out) }
    }
}
