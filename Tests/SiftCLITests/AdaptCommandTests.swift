import Foundation
import Testing
@testable import SiftCLI
import SiftEngine
import SiftInference
import SiftTestSupport

/// `sift adapt` on the tiny base: CJK words the vocabulary lacks, continued pretraining, then a
/// classifier; adapt.json records the steps and --resume reuses them.
@Test func adaptRunsVocabularyPretrainingAndFineTuning() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-adapt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var rows = "text,label\n"
    for i in 0..<24 { rows += (i % 2 == 0 ? "the city and the state 很好,place\n" : "he said that we know 很差,talk\n") }
    var validation = "text,label\n"
    for i in 0..<6 { validation += (i % 2 == 0 ? "the city 东京,place\n" : "we know 东京,talk\n") }
    let train = dir.appendingPathComponent("train.csv"), val = dir.appendingPathComponent("val.csv"), out = dir.appendingPathComponent("adapted")
    try Data(rows.utf8).write(to: train)
    try Data(validation.utf8).write(to: val)
    let args = ["adapt", "--train", train.path, "--validation", val.path, "--base", TestPaths.fixture("train/tiny-base").path,
                "--out", out.path, "--quiet", "--vocab-args", "--min-count 2",
                "--pretrain-args", "--epochs 1 --batch-size 4 --max-length 16 --learning-rate 1e-3",
                "--train-args", "--epochs 1 --batch-size 4 --max-length 16 --learning-rate 1e-3"]
    let cmd = try #require(try SiftCommand.parseAsRoot(args) as? AdaptCommand)
    try await cmd.run()
    let vocab = try BertConfig.load(out.appendingPathComponent("vocab/config.json"))
    #expect(vocab.vocabSize == 205 + 3, "很, 好, 差 added; 东京 (validation only) is not: \(vocab.vocabSize)")
    let domain = try String(contentsOf: out.appendingPathComponent("domain-text.txt"), encoding: .utf8)
    #expect(!domain.contains("东京") && domain.split(separator: "\n").count == 24, "only the training split adapts the model")
    let (mlm, headLoaded) = try BertModel.loadMaskedLM(directory: out.appendingPathComponent("pretrained"))
    #expect(headLoaded && mlm.config.vocabSize == 208)
    let classifier = try SequenceClassifier(directory: out.appendingPathComponent("model"))
    #expect(classifier.labels == ["place", "talk"])
    let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("adapt.json"))) as? [String: Any])
    #expect((record["steps"] as? [[String: Any]])?.map { $0["step"] as? String } == ["vocabulary", "pretraining", "fine-tuning"])

    // A second run into the same folder is refused; --resume reuses every finished step.
    await #expect(throws: (any Error).self) { try await (try SiftCommand.parseAsRoot(args) as! AdaptCommand).run() }
    let weights = out.appendingPathComponent("model/model.safetensors")
    let before = try FileManager.default.attributesOfItem(atPath: weights.path)[.modificationDate] as? Date
    try await (try SiftCommand.parseAsRoot(args + ["--resume"]) as! AdaptCommand).run()
    #expect(try FileManager.default.attributesOfItem(atPath: weights.path)[.modificationDate] as? Date == before)
    // Step options that adapt itself sets are refused.
    #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(args + ["--train-args", "--out elsewhere"]) }
}
