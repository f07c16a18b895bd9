import Foundation
import Testing
@testable import SiftCLI
import SiftData
import SiftEngine
import SiftEval
import SiftTestSupport
import SiftInference

@Suite struct EvalCommandTests {
    func dir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sift-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test func singleLabelEvalWritesConsistentOutputs() async throws {
        let d = try dir()
        let model = TestPaths.fixture("tiny-bert/single-label")
        let data = d.appendingPathComponent("e.csv")
        try "text,label\nthe first of them,negative\nhe said that they were all,positive\nit was not the one,neutral\nand in a way,positive\nthe city,negative\n"
            .write(to: data, atomically: true, encoding: .utf8)
        let pred = d.appendingPathComponent("p.jsonl"), json = d.appendingPathComponent("m.json"), report = d.appendingPathComponent("report")
        var cmd = try SiftCommand.parseAsRoot(["eval", model.path, "--data", data.path, "--predictions", pred.path,
                                               "--json", json.path, "--report", report.path, "--batch-size", "2"]) as! EvalCommand
        try await cmd.run()
        // The scores written are the classifier's own, example by example (fp32 tolerance: the
        // command ran batches of 2, this call one batch of 5, and BLAS sums in another order).
        let set = try PredictionSet.readJSONL(url: pred)
        #expect(set.labels == ["negative", "neutral", "positive"])
        #expect(set.examples.map(\.gold) == [[0], [2], [1], [2], [0]])
        #expect(set.examples.map(\.line) == [2, 3, 4, 5, 6])
        let classifier = try SequenceClassifier(directory: model)
        let input = try TextInput(directory: model, config: classifier.model.config)
        let direct = try classifier.predict(texts: set.examples.map(\.text), input: input, acts: classifier.model.makeActivations())
        for (e, p) in zip(set.examples, direct) {
            for (a, b) in zip(e.scores, p.scores.map(Double.init)) { #expect(abs(a - b) <= 1e-5 + 1e-4 * abs(b), "\(a) vs \(b)") }
        }
        // The metrics JSON is the evaluation of exactly those predictions.
        let metrics = try JSONDecoder().decode(SingleLabelEvaluation.self, from: Data(contentsOf: json))
        #expect(metrics == set.singleLabel())
        #expect(metrics.count == 5)
        #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("index.html").path))
        // Recomputing from the predictions file gives the same table.
        #expect(EvalOutput.table(try PredictionSet.readJSONL(url: pred)) == EvalOutput.table(set))
    }

    @Test func unknownLabelsStopWithTheLineOrAreSkipped() async throws {
        let d = try dir()
        let model = TestPaths.fixture("tiny-bert/single-label")
        let data = d.appendingPathComponent("e.csv")
        try "text,label\nthe first,negative\nthe city,sarcastic\n".write(to: data, atomically: true, encoding: .utf8)
        let runner = try EvalRunner(modelDir: model, maxLength: nil, batchSize: 8)
        let opts = try SiftCommand.parseAsRoot(["eval", model.path, "--data", data.path]) as! EvalCommand
        #expect {
            _ = try runner.predict(url: data, options: opts.dataOptions, policy: .fail)
        } throws: { e in
            (e as? DataError)?.errorDescription?.contains("e.csv:3, column 'label': unknown label 'sarcastic'") == true
        }
        let (set, skipped) = try runner.predict(url: data, options: opts.dataOptions, policy: .skip)
        #expect(set.examples.count == 1 && skipped.counts == ["unknown label": 1])
    }

    @Test func multiLabelEvalWithTunedThresholds() async throws {
        let d = try dir()
        let model = TestPaths.fixture("tiny-bert/multi-label")
        let classifier = try SequenceClassifier(directory: model)
        let labels = classifier.labels
        let data = d.appendingPathComponent("e.jsonl")
        var lines: [String] = []
        let texts = ["the first of them", "he said that they were all", "it was not the one", "and in a way", "the city", "she had been there"]
        for (i, t) in texts.enumerated() {
            let gold = labels.indices.filter { (i + $0) % 2 == 0 }.map { "\"\(labels[$0])\"" }
            lines.append("{\"text\": \"\(t)\", \"label\": [\(gold.joined(separator: ","))]}")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: data, atomically: true, encoding: .utf8)
        let pred = d.appendingPathComponent("p.jsonl")
        var cmd = try SiftCommand.parseAsRoot(["eval", model.path, "--data", data.path, "--tune-on", data.path, "--predictions", pred.path]) as! EvalCommand
        try await cmd.run()
        let set = try PredictionSet.readJSONL(url: pred)
        #expect(set.multiLabel && set.examples.count == 6)
        // Thresholds tuned on the same data can only raise each label's F1 over 0.5.
        let y = set.examples.map { e in set.labels.indices.map { e.gold.contains($0) } }
        let tuned = ThresholdTuning.tune(yTrue: y, scores: set.examples.map(\.scores))
        let at05 = MultiLabelEvaluation.compute(yTrue: y, scores: set.examples.map(\.scores), labels: set.labels)
        let atTuned = MultiLabelEvaluation.compute(yTrue: y, scores: set.examples.map(\.scores), labels: set.labels, thresholds: tuned.thresholds)
        #expect(zip(atTuned.perLabel, at05.perLabel).allSatisfy { $0.f1 >= $1.f1 })
    }
}
