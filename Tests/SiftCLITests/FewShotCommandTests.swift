import Foundation
import Testing
@testable import SiftCLI
import SiftInference
import SiftTestSupport
import SiftTrain

/// `sift zero-shot` and `sift train --method setfit` end to end on tiny fixtures.
@Suite struct FewShotCommandTests {
    let dir: URL
    init() throws {
        dir = scratchFolder("fewshot-cli")
    }

    func lines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func zeroShotWritesTheRankedLabelsPerText() async throws {
        let input = dir.appendingPathComponent("in.txt"), output = dir.appendingPathComponent("out.jsonl")
        let texts = ["he was at school in the city", "she said that the world was new", "it"]
        try Data((texts.joined(separator: "\n") + "\n").utf8).write(to: input)
        let model = TestPaths.fixture("fewshot/nli-entail-last")
        let cmd = try #require(try SiftCommand.parseAsRoot([
            "zero-shot", model.path, "--labels", "school, city,world", "-i", input.path, "-o", output.path, "--batch-size", "2"]) as? ZeroShotCommand)
        try await cmd.run()
        let rows = try lines(output)
        #expect(rows.count == 3)
        // The same answers as the library, best first.
        let bundle = try ModelBundle(directory: model)
        let want = try OfflineRunner(bundle: bundle).zeroShot(try ZeroShotClassifier(bundle: bundle, labels: ["school", "city", "world"]), texts: texts)
        for (row, w) in zip(rows, want) {
            #expect(row["labels"] as? [String] == w.labels)
            #expect(row["label"] as? String == w.labels[0])
            let scores = row["scores"] as? [Double] ?? []
            #expect(zip(scores, w.scores).allSatisfy { abs($0 - Double($1)) < 1e-5 })
        }
        // Refused before any output: a template without {}.
        let bad = try #require(try SiftCommand.parseAsRoot([
            "zero-shot", model.path, "--labels", "a,b", "--hypothesis-template", "about", "-i", input.path,
            "-o", dir.appendingPathComponent("bad.jsonl").path]) as? ZeroShotCommand)
        await #expect(throws: InferenceError.self) { try await bad.run() }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.jsonl").path))
        // An empty text is named by file and line.
        let gappy = dir.appendingPathComponent("gappy.txt")
        try Data("he was here\n   \n".utf8).write(to: gappy)
        let empty = try #require(try SiftCommand.parseAsRoot([
            "zero-shot", model.path, "--labels", "a,b", "-i", gappy.path, "-o", dir.appendingPathComponent("e.jsonl").path]) as? ZeroShotCommand)
        await #expect { try await empty.run() } throws: { "\($0)".contains("gappy.txt:2: the text is empty") }
    }

    @Test func setFitTrainingWritesAFolderThatPredictAndEvalUse() async throws {
        var rows = "text,label\n"
        let words = [("place", ["the city", "the state", "the world", "the school", "the city and the state", "the new world"]),
                     ("talk", ["he said", "we know", "she said that", "they said", "we know that", "he said that we know"])]
        for _ in 0..<2 { for (label, ts) in words { for t in ts { rows += "\(t),\(label)\n" } } }
        let train = dir.appendingPathComponent("train.csv"), test = dir.appendingPathComponent("test.csv")
        let out = dir.appendingPathComponent("model")
        try Data(rows.utf8).write(to: train)
        try Data("text,label\nthe state,place\nwe know,talk\n".utf8).write(to: test)
        let cmd = try #require(try SiftCommand.parseAsRoot([
            "train", "--method", "setfit", "--train", train.path, "--test", test.path, "--base", TestPaths.fixture("train/tiny-base").path,
            "--out", out.path, "--examples-per-class", "4", "--learning-rate", "5e-3", "--epochs", "3", "--max-length", "16", "--quiet",
        ]) as? TrainCommand)
        let o = cmd.setFitOptions()
        #expect(o.examplesPerClass == 4 && o.batchSize == 16 && o.warmupRatio == 0.1 && o.weightDecay == 0.01)
        try await cmd.run()
        let bundle = try ModelBundle(directory: out)
        #expect(bundle.classifier is EmbeddingClassifier)
        #expect(bundle.labels == ["place", "talk"])
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("test_metrics.json"))) as? [String: Any])
        #expect(metrics["examples"] as? Int == 2 && metrics["method"] as? String == "setfit")
        // predict reads it like any classifier folder.
        let input = dir.appendingPathComponent("p.txt"), output = dir.appendingPathComponent("p.jsonl")
        try Data("the city\nhe said\n".utf8).write(to: input)
        let predict = try #require(try SiftCommand.parseAsRoot(["predict", out.path, "-i", input.path, "-o", output.path]) as? PredictCommand)
        try await predict.run()
        let preds = try lines(output)
        #expect(preds.count == 2 && preds.allSatisfy { ["place", "talk"].contains($0["label"] as? String ?? "") })
        // eval too.
        let report = dir.appendingPathComponent("report")
        let eval = try #require(try SiftCommand.parseAsRoot(["eval", out.path, "--data", test.path, "--report", report.path]) as? EvalCommand)
        try await eval.run()
        #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("index.html").path))
    }

    @Test func setFitDefaultsFollowSetFitAndFineTuneFlagsStayTheirs() throws {
        let s = try #require(try SiftCommand.parseAsRoot(["train", "--method", "setfit", "--train", "t", "--base", "b", "--out", "o"]) as? TrainCommand)
        let o = s.setFitOptions()
        #expect(o.epochs == 1 && o.learningRate == 2e-5 && o.batchSize == 16 && o.maxLength == nil && o.sampling == .oversampling && o.headC == 1)
        // Fine-tuning keeps its defaults; setfit-only flags are refused there.
        let f = try #require(try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o"]) as? TrainCommand)
        #expect(f.options().epochs == 3 && f.options().learningRate == 5e-5)
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o", "--examples-per-class", "8"]) }
        #expect(throws: (any Error).self) {
            try SiftCommand.parseAsRoot(["train", "--method", "setfit", "--train", "t", "--base", "b", "--out", "o", "--examples-per-class", "1"])
        }
    }
}
