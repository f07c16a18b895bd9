import Foundation
import Testing
@testable import SiftCLI
import SiftEngine
import SiftTrain
import SiftTestSupport
import SiftInference

@Test func trainCommandParsesDefaults() throws {
    let cmd = try #require(try SiftCommand.parseAsRoot(["train", "--train", "t.csv", "--base", "b", "--out", "o"]) as? TrainCommand)
    let o = cmd.options()
    #expect(o.epochs == 3 && o.learningRate == 5e-5 && o.batchSize == 32 && o.maxLength == 128)
    #expect(o.warmupRatio == 0.06 && o.weightDecay == 0.01 && o.seed == 42 && o.mode == .full)
    let f = try #require(try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o",
                                                      "--mode", "freeze", "--freeze-layers", "2"]) as? TrainCommand)
    #expect(f.options().mode == .freeze(layers: 2))
    #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o", "--mode", "sideways"]) }
    // Out-of-range options are refused when parsing, before any file is read ("t" does not exist).
    for bad in [["--hidden-dropout", "1.5"], ["--epochs", "0"], ["--label-smoothing", "1"]] {
        #expect(throws: (any Error).self, "\(bad)") { try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o"] + bad) }
    }
}

@Test func trainCommandDropoutOptions() throws {
    let plain = try #require(try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o"]) as? TrainCommand)
    let o = plain.options()
    #expect(o.hiddenDropout == nil && o.attentionDropout == nil && o.classifierDropout == nil, "default: the base config.json")
    let cmd = try #require(try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o", "--hidden-dropout", "0.2",
                                                        "--attention-dropout", "0", "--classifier-dropout", "0.3"]) as? TrainCommand)
    let d = cmd.options()
    #expect(d.hiddenDropout == 0.2 && d.attentionDropout == 0 && d.classifierDropout == 0.3)
    let help = TrainCommand.helpMessage()
    for flag in ["--hidden-dropout", "--attention-dropout", "--classifier-dropout", "hidden_dropout_prob", "head-only"] {
        #expect(help.contains(flag), "sift train --help lacks \(flag)")
    }
}

@Test func trainCommandWritesAModelThatPredictLoads() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-train-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var rows = "text,label\n"
    for i in 0..<24 { rows += (i % 2 == 0 ? "the city and the state,place\n" : "he said that we know,talk\n") }
    let train = dir.appendingPathComponent("train.csv"), out = dir.appendingPathComponent("model")
    try Data(rows.utf8).write(to: train)
    let cmd = try #require(try SiftCommand.parseAsRoot([
        "train", "--train", train.path, "--base", TestPaths.fixture("train/tiny-base").path, "--out", out.path,
        "--epochs", "2", "--batch-size", "4", "--learning-rate", "1e-3", "--max-length", "16", "--eval-split", "0.25", "--quiet",
    ]) as? TrainCommand)
    try await cmd.run()
    let classifier = try SequenceClassifier(directory: out)
    #expect(classifier.labels == ["place", "talk"])
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint/current").path))
}

@Test func trainCommandScoresATestFileOnceWithTheSelectedModel() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-train-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var rows = "text,label\n"
    for i in 0..<24 { rows += (i % 2 == 0 ? "the city and the state,place\n" : "he said that we know,talk\n") }
    let train = dir.appendingPathComponent("train.csv"), test = dir.appendingPathComponent("test.csv")
    let out = dir.appendingPathComponent("model")
    try Data(rows.utf8).write(to: train)
    try Data("text,label\nthe state,place\nwe know,talk\nthe city,place\n".utf8).write(to: test)
    let cmd = try #require(try SiftCommand.parseAsRoot([
        "train", "--train", train.path, "--test", test.path, "--base", TestPaths.fixture("train/tiny-base").path,
        "--out", out.path, "--epochs", "2", "--batch-size", "4", "--learning-rate", "1e-3", "--max-length", "16",
        "--validation-split", "0.25", "--quiet",
    ]) as? TrainCommand)
    try await cmd.run()
    let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("test_metrics.json"))) as? [String: Any])
    #expect(metrics["examples"] as? Int == 3)
    #expect((1...2).contains(metrics["epoch"] as? Int ?? 0))
}

@Test func trainSummaryLabelsValidationAndTestOnce() {
    let epoch = Trainer.EpochResult(epoch: 2, trainLoss: 0.5, evalLoss: 0.4, accuracy: 0.9, macroF1: 0.85, microF1: 0.9,
                                    metric: 0.9, examplesPerSecond: 10)
    let test = Trainer.TestResult(epoch: 2, examples: 30, loss: 0.6, accuracy: 0.8, macroF1: 0.75, microF1: 0.8, metric: 0.8)
    let s = Trainer.Summary(epochs: [epoch], bestEpoch: 2, best: 0.9, stoppedEarly: false, test: test)
    let text = TrainCommand.summary(s, metric: .accuracy, out: "o", testMetrics: "o/test_metrics.json")
    #expect(text.components(separatedBy: "validation (used for selection): best accuracy 0.9000 at epoch 2").count == 2)
    #expect(text.components(separatedBy: "test (scored once").count == 2)
    #expect(text.contains("model of epoch 2, 30 examples): loss 0.6000, accuracy 0.8000, macro-F1 0.7500"))
    let noTest = TrainCommand.summary(Trainer.Summary(epochs: [epoch], bestEpoch: 2, best: 0.9, stoppedEarly: true, test: nil),
                                      metric: .accuracy, out: "o", testMetrics: "x")
    #expect(!noTest.contains("test") && noTest.contains("(stopped early)"))
}

@Test func trainCommandImbalanceOptionsParseAndMisfitsAreRefused() throws {
    func parse(_ extra: [String]) throws -> TrainCommand {
        try #require(try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o"] + extra) as? TrainCommand)
    }
    #expect(try parse(["--class-weights", "balanced"]).classWeights == .balanced)
    #expect(try parse(["--class-weights", "weights.tsv"]).classWeights == .file("weights.tsv"))
    #expect(try parse(["--multi-label", "--pos-weight", "3"]).posWeight == .uniform(3))
    #expect(try parse(["--oversample"]).options().oversample)
    #expect(try parse([]).options().oversample == false)
    // Options that do not fit the data are refused at parsing, before any file is read.
    for bad in [["--multi-label", "--class-weights", "balanced"], ["--multi-label", "--oversample"],
                ["--pos-weight", "balanced"], ["--method", "setfit", "--class-weights", "balanced"]] {
        #expect(throws: (any Error).self, "\(bad)") { try parse(bad) }
    }
    let help = TrainCommand.helpMessage()
    for flag in ["--class-weights", "--pos-weight", "--oversample"] { #expect(help.contains(flag), "sift train --help lacks \(flag)") }
}

@Test func trainCommandLoRAOptions() throws {
    let cmd = try #require(try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o", "--mode", "lora",
                                                        "--lora-r", "16", "--lora-alpha", "32", "--lora-dropout", "0.1",
                                                        "--lora-targets", "query, value,intermediate.dense"]) as? TrainCommand)
    let o = cmd.options()
    #expect(o.mode == .lora)
    #expect(o.lora == LoRAConfig(rank: 16, alpha: 32, dropout: 0.1, targets: ["query", "value", "intermediate.dense"]))
    let plain = try #require(try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o", "--mode", "lora"]) as? TrainCommand)
    #expect(plain.options().lora == LoRAConfig(), "PEFT-style defaults: r 8, alpha 16, dropout 0.05, query,value")
    // LoRA knobs without --mode lora, and out-of-range ones, are refused before any file is read.
    for bad in [["--lora-r", "4"], ["--mode", "lora", "--lora-r", "0"], ["--mode", "lora", "--lora-dropout", "1"],
                ["--mode", "lora", "--lora-targets", ","], ["--mode", "lora", "--lora-alpha", "-1"]] {
        #expect(throws: (any Error).self, "\(bad)") { try SiftCommand.parseAsRoot(["train", "--train", "t", "--base", "b", "--out", "o"] + bad) }
    }
    #expect(TrainCommand.helpMessage().contains("--lora-targets"))
}

@Test func mergeCommandFoldsAPEFTAdapter() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("sift-merge-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: out) }
    let adapter = TestPaths.fixture("lora/adapter")
    var cmd = try #require(try SiftCommand.parseAsRoot(["merge", adapter.path, "--out", out.path]) as? MergeCommand)
    try cmd.run()
    let merged = try BertModel.load(directory: out)
    let direct = try LoRAAdapterFolder.load(directory: adapter).mergingAdapters()
    #expect(merged.lora == nil && Array(merged.parameters.storage) == Array(direct.parameters.storage))
    // Not an adapter: a clear error.
    cmd = try #require(try SiftCommand.parseAsRoot(["merge", out.path, "--out", out.path + "-2"]) as? MergeCommand)
    #expect(throws: (any Error).self) { try cmd.run() }
}
