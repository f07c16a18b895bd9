import Foundation
import Testing
import SiftTestSupport
@testable import SiftEngine
import SiftInference

enum SiftTestSupportPaths {
    static var tinyBase: URL { TestPaths.fixture("tiny-bert/base") }
    static var tinySingle: URL { TestPaths.fixture("tiny-bert/single-label") }
}

@Suite struct ModelLoadingTests {
    /// Copies a fixture folder to a temp dir so a test can damage it.
    func copy(_ src: URL, _ dir: TempDir) throws -> URL {
        let dst = dir.url.appendingPathComponent("model")
        try FileManager.default.copyItem(at: src, to: dst)
        return dst
    }

    @Test func configDecodesHFKeysWithBertBaseDefaults() throws {
        let cfg = try JSONDecoder().decode(BertConfig.self, from: Data(#"{"model_type":"bert","hidden_act":"gelu_new","id2label":{"0":"neg","1":"pos"},"label2id":{"neg":0,"pos":1},"problem_type":"multi_label_classification"}"#.utf8))
        #expect(cfg.hiddenSize == 768 && cfg.numHiddenLayers == 12 && cfg.vocabSize == 30522 && cfg.layerNormEps == 1e-12)
        #expect(cfg.hiddenAct == .geluNew && cfg.labelNames == ["neg", "pos"] && cfg.effectiveProblemType == .multiLabel)
        let one = try JSONDecoder().decode(BertConfig.self, from: Data(#"{"num_labels":1}"#.utf8))
        #expect(one.effectiveProblemType == .regression)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(BertConfig.self, from: Data(#"{"hidden_act":"swish"}"#.utf8)) }
        // Round trip through our encoder keeps the HF keys.
        let again = try JSONDecoder().decode(BertConfig.self, from: JSONEncoder().encode(cfg))
        #expect(again == cfg)
    }

    @Test func unsupportedModelTypeListsSupported() throws {
        let dir = try TempDir()
        let m = try copy(SiftTestSupportPaths.tinyBase, dir)
        let url = m.appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        json["model_type"] = "gpt2"
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        do { _ = try BertModel.load(directory: m); Issue.record("expected error") } catch {
            #expect(error.localizedDescription.contains("unsupported model_type 'gpt2' (supported: bert, distilbert, roberta, xlm-roberta)"))
            #expect(error.localizedDescription.contains("config.json"))
        }
    }

    @Test func folderWithoutWeightsIsAClearError() throws {
        let dir = try TempDir()
        let m = try copy(SiftTestSupportPaths.tinyBase, dir)
        try FileManager.default.removeItem(at: m.appendingPathComponent("model.safetensors"))
        #expect(throws: EngineError.noWeights(directory: m.path)) { try BertModel.load(directory: m) }
        #expect(throws: EngineError.self) { try BertModel.load(directory: dir.url.appendingPathComponent("nope")) }
    }

    @Test func missingOrMisShapedTensorNamesIt() throws {
        let dir = try TempDir()
        let m = try copy(SiftTestSupportPaths.tinyBase, dir)
        let wURL = m.appendingPathComponent("model.safetensors")
        let f = try SafetensorsFile(url: wURL)
        var entries: [SafetensorsWriter.Entry] = []
        for (name, info) in f.tensors where name != "encoder.layer.1.output.dense.bias" {
            entries.append(.init(name: name, shape: info.shape, payload: .f32Array(try f.floats(name))))
        }
        try SafetensorsWriter.write(entries, to: wURL)
        #expect(throws: EngineError.missingTensor(file: wURL.path, tensor: "encoder.layer.1.output.dense.bias")) {
            try BertModel.load(directory: m)
        }
        // Now with a wrong shape.
        entries.append(.init(name: "encoder.layer.1.output.dense.bias", shape: [31], payload: .f32Array(Array(repeating: 0, count: 31))))
        try SafetensorsWriter.write(entries, to: wURL)
        #expect(throws: EngineError.shapeMismatch(file: wURL.path, tensor: "encoder.layer.1.output.dense.bias", expected: [32], found: [31])) {
            try BertModel.load(directory: m)
        }
    }

    /// Save writes one buffer by HF names (with `bert.` for a classifier); loading it back gives
    /// the same buffer, and the saved file loads with and without the prefix.
    @Test func saveLoadRoundTripAndPrefixes() throws {
        let dir = try TempDir()
        let model = try BertModel.load(directory: SiftTestSupportPaths.tinySingle)
        #expect(model.layout.numLabels == 3)
        #expect(model.layout.entries.first?.name == "embeddings.word_embeddings.weight")
        #expect(model.layout.totalCount == model.layout.entries.map(\.count).reduce(0, +))
        let out = dir.url.appendingPathComponent("saved")
        try model.save(directory: out)
        let f = try SafetensorsFile(url: out.appendingPathComponent("model.safetensors"))
        #expect(f.tensors["bert.encoder.layer.0.attention.self.query.weight"] != nil)
        #expect(f.tensors["classifier.weight"] != nil)
        let back = try BertModel.load(directory: out)
        #expect(Array(back.parameters.storage) == Array(model.parameters.storage))
        #expect(back.config.labelNames == ["negative", "neutral", "positive"])
        // The base fixture has no prefix; it loads into the same layout names.
        let base = try BertModel.load(directory: SiftTestSupportPaths.tinyBase)
        #expect(base.layout.numLabels == nil && base.layout.hasPooler)
    }

    @Test func f16CheckpointIsConvertedOnLoad() throws {
        let dir = try TempDir()
        let m = try copy(SiftTestSupportPaths.tinyBase, dir)
        let wURL = m.appendingPathComponent("model.safetensors")
        let f = try SafetensorsFile(url: wURL)
        let entries = try f.tensors.keys.map { SafetensorsWriter.Entry(name: $0, shape: f.tensors[$0]!.shape, payload: .f32Array(try f.floats($0)), dtype: .f16) }
        try SafetensorsWriter.write(entries, to: wURL)
        let half = try BertModel.load(directory: m)
        let full = try BertModel.load(directory: SiftTestSupportPaths.tinyBase)
        #expect(allClose(Array(half.parameters.storage), Array(full.parameters.storage), atol: 1e-3, rtol: 1e-3).ok)
    }

    @Test func badTokenInputsAreErrorsNotCrashes() throws {
        let model = try BertModel.load(directory: SiftTestSupportPaths.tinyBase)
        let acts = model.makeActivations()
        #expect(throws: EngineError.self) { try model.forward(PackedBatch(sequences: [[2, 9999, 3]]), acts: acts) }
        #expect(throws: EngineError.self) { try model.forward(PackedBatch(sequences: [[-1]]), acts: acts) }
        #expect(throws: EngineError.self) { try model.forward(PackedBatch(sequences: [Array(repeating: 5, count: 65)]), acts: acts) }
        #expect(throws: EngineError.self) { try PackedBatch(sequences: [[2, 3]], typeIds: [[0]]) }
        #expect(throws: EngineError.self) { try model.forward(PackedBatch(sequences: [[2, 3]], typeIds: [[0, 5]]), acts: acts) }
        // Empty batch and empty sequences give results, not crashes.
        try model.forward(PackedBatch(sequences: []), acts: acts)
        let e = try SentenceEmbedder(model: model).embed([[], [2, 3]])
        #expect(e[0].allSatisfy { $0 == 0 } && abs(e[1].map { $0 * $0 }.reduce(0, +) - 1) < 1e-5)
    }
}
