import Foundation
import Testing
import SiftTestSupport
@testable import SiftEngine
import SiftInference

/// DistilBERT, RoBERTa and XLM-R against transformers: tiny random models from
/// scripts/fixtures/make_family_fixtures.py (float32 references, right-padded batches with a mask,
/// RoBERTa positions from create_position_ids_from_input_ids) run packed here.
@Suite struct FamilyTests {
    static let families = ["distilbert", "roberta", "xlm-roberta"]

    static func folder(_ family: String, _ kind: String) -> URL { TestPaths.fixture("families/\(family)/\(kind)") }

    static func reference(_ dir: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("reference.json"))) as? [String: Any])
    }

    static func numbers(_ any: Any?) -> [Float] { (any as? [Any])?.compactMap { ($0 as? NSNumber)?.floatValue } ?? [] }

    static func sequences(_ doc: [String: Any]) -> [[Int32]] { (doc["sequences"] as! [[Int]]).map { $0.map(Int32.init) } }

    /// max |a − b|, after expecting |a − b| ≤ 1e-4 everywhere (the brief's float32 bound).
    @discardableResult
    static func expectWithin(_ got: [Float], _ want: [Float], _ what: String, _ doc: [String: Any]) -> Float {
        #expect(got.count == want.count, "\(what): \(got.count) values, reference has \(want.count)")
        let d = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
        #expect(d <= 1e-4, "\(what): max |diff| \(d) (references from \(doc["versions"] ?? "?"))")
        return d
    }

    @Test(arguments: families) func bareModelHiddenStatesAndPoolerEqualTransformers(_ family: String) throws {
        let dir = Self.folder(family, "base")
        let doc = try Self.reference(dir)
        let model = try BertModel.load(directory: dir)
        #expect(model.head == .none && model.config.modelType == family)
        #expect(model.layout.hasPooler == (doc["pooler_output"] != nil))
        let batch = try PackedBatch(sequences: Self.sequences(doc))
        for workers in [1, 2] {  // the one-lane pass and lanes
            let acts = model.makeActivations(workers: workers)
            try model.forward(batch, acts: acts, outputs: model.layout.hasPooler ? .pooler : [])
            let C = model.config.hiddenSize
            let d = Self.expectWithin(Array(UnsafeBufferPointer(start: acts.lastHidden, count: batch.tokenCount * C)),
                                      Self.numbers(doc["last_hidden"]), "\(family) last_hidden_state", doc)
            print("\(family) base, \(workers) worker(s): max |hidden diff| \(d)")
            if doc["pooler_output"] != nil {
                Self.expectWithin(Array(UnsafeBufferPointer(start: acts.pooled, count: batch.batchSize * C)),
                                  Self.numbers(doc["pooler_output"]), "\(family) pooler_output", doc)
            }
        }
    }

    @Test(arguments: families) func sequenceClassifierLogitsEqualTransformers(_ family: String) throws {
        let dir = Self.folder(family, "classifier")
        let doc = try Self.reference(dir)
        let model = try BertModel.load(directory: dir)
        #expect(model.head == .sequenceClassification(labels: 3))
        #expect(model.layout.hasHeadDense && !model.layout.hasPooler, "the family's head owns its dense layer")
        let batch = try PackedBatch(sequences: Self.sequences(doc))
        let acts = model.makeActivations()
        try model.forward(batch, acts: acts, outputs: .logits)
        let d = Self.expectWithin(Array(UnsafeBufferPointer(start: acts.logits, count: batch.batchSize * 3)),
                                  Self.numbers(doc["logits"]), "\(family) logits", doc)
        print("\(family) classifier: max |logit diff| \(d)")
    }

    @Test(arguments: ["distilbert", "roberta"]) func tokenClassifierLogitsEqualTransformers(_ family: String) throws {
        let dir = Self.folder(family, "token")
        let doc = try Self.reference(dir)
        let model = try BertModel.load(directory: dir)
        #expect(model.head == .tokenClassification(labels: 4))
        let batch = try PackedBatch(sequences: Self.sequences(doc))
        let acts = model.makeActivations()
        try model.forward(batch, acts: acts)
        let head = try TokenClassificationHead(model: model)
        var logits = [Float](repeating: 0, count: batch.tokenCount * 4)
        logits.withUnsafeMutableBufferPointer { head.forward(model: model, input: acts.lastHidden, tokens: batch.tokenCount, logits: $0.baseAddress!) }
        Self.expectWithin(logits, Self.numbers(doc["logits"]), "\(family) token logits", doc)
    }

    @Test func checkpointNamesAreTheFamilies() throws {
        let distil = try BertModel.load(directory: Self.folder("distilbert", "classifier"))
        let names = Set(distil.layout.entries.map(\.name))
        for n in ["transformer.layer.1.attention.q_lin.weight", "transformer.layer.0.attention.out_lin.bias",
                  "transformer.layer.0.sa_layer_norm.weight", "transformer.layer.1.ffn.lin1.weight", "transformer.layer.1.ffn.lin2.bias",
                  "transformer.layer.0.output_layer_norm.bias", "embeddings.LayerNorm.weight", "pre_classifier.weight", "classifier.bias"] {
            #expect(names.contains(n), "DistilBERT layout lacks \(n)")
        }
        #expect(distil.weights.embeddings.tokenType == nil, "DistilBERT has no token-type table")
        let roberta = try BertModel.load(directory: Self.folder("xlm-roberta", "classifier"))
        #expect(roberta.layout["classifier.dense.weight"] != nil && roberta.layout["classifier.out_proj.bias"] != nil)
        #expect(roberta.layout["embeddings.token_type_embeddings.weight"]?.shape == [1, 32])
        let token = try BertModel.load(directory: Self.folder("roberta", "token"))
        #expect(token.layout["classifier.weight"]?.shape == [4, 32])
    }

    @Test func robertaPositionsStartAfterThePadAndLimitTheLength() throws {
        let model = try BertModel.load(directory: Self.folder("xlm-roberta", "base"))
        // pad_token_id 1, max_position_embeddings 42: rows 2…41 hold positions 0…39.
        #expect(model.config.maxSequenceLength == 40 && model.firstPosition == 2)
        #expect(throws: EngineError.self) { try model.forward(PackedBatch(sequences: [[Int32](repeating: 7, count: 41)]), acts: model.makeActivations()) }
        try model.forward(PackedBatch(sequences: [[Int32](repeating: 7, count: 40)]), acts: model.makeActivations())
        let distil = try BertModel.load(directory: Self.folder("distilbert", "base"))
        #expect(distil.config.maxSequenceLength == 40)
        // DistilBERT ignores token types (BERT tokenizers still produce them for pairs).
        try distil.forward(PackedBatch(sequences: [[2, 9, 3, 10, 3]], typeIds: [[0, 0, 0, 1, 1]]), acts: distil.makeActivations())
    }

    @Test(arguments: families) func savedFolderLoadsBackWithTheFamilysNamesAndKeys(_ family: String) throws {
        let dir = try TempDir()
        let model = try BertModel.load(directory: Self.folder(family, "classifier"))
        try model.save(directory: dir.url)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.url.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(config["model_type"] as? String == family)
        if family == "distilbert" {
            #expect(config["dim"] as? Int == 32 && config["n_layers"] as? Int == 2 && config["hidden_dim"] as? Int == 64)
            #expect(config["hidden_size"] == nil && config["sinusoidal_pos_embds"] as? Bool == false)
        } else {
            #expect(config["hidden_size"] as? Int == 32 && config["type_vocab_size"] as? Int == 1)
        }
        let file = try SafetensorsFile(url: dir.url.appendingPathComponent("model.safetensors"))
        let prefix = family == "distilbert" ? "distilbert." : "roberta."
        for e in model.layout.entries {
            let want = e.part == .classifier ? e.name : prefix + e.name
            #expect(file.tensors[want] != nil, "saved file lacks \(want)")
        }
        let back = try BertModel.load(directory: dir.url)
        #expect(back.config == model.config && back.layout == model.layout)
        #expect(Array(back.parameters.storage) == Array(model.parameters.storage))
    }

    @Test func distilBertConfigKeysAndRefusals() throws {
        let cfg = try BertConfig.load(Self.folder("distilbert", "base").appendingPathComponent("config.json"))
        #expect(cfg.hiddenSize == 32 && cfg.numHiddenLayers == 2 && cfg.numAttentionHeads == 4 && cfg.intermediateSize == 64)
        #expect(cfg.hiddenDropoutProb == 0.1 && cfg.attentionProbsDropoutProb == 0.1 && cfg.classifierDropout == 0.1)
        #expect(!cfg.family.hasTokenTypes && cfg.layerNormEps == 1e-12)
        let rates = DropoutRates(config: cfg)
        #expect(rates.attentionOutput == 0 && rates.hidden == 0.1, "DistilBERT drops nothing after out_lin")
        let dir = try TempDir()
        let url = dir.url.appendingPathComponent("config.json")
        try #"{"model_type": "distilbert", "sinusoidal_pos_embds": true}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect { try BertConfig.load(url) } throws: { e in
            let m = (e as? LocalizedError)?.errorDescription ?? ""
            return m.contains("sinusoidal_pos_embds") && m.contains("config.json")
        }
        try #"{"model_type": "albert"}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect { try BertConfig.load(url) } throws: { e in
            ((e as? LocalizedError)?.errorDescription ?? "").contains("unsupported model_type 'albert' (supported: bert, distilbert, roberta, xlm-roberta)")
        }
    }

    @Test func bundleAcceptsASmallerTokenizerAndRefusesALargerOne() throws {
        // The fixtures' tokenizers have 205 ids for 208 embedding rows (as e5: 250,002 for 250,037).
        let bundle = try ModelBundle(directory: Self.folder("xlm-roberta", "classifier"))
        #expect(bundle.task == .singleLabel && bundle.maxLength == 32)
        let dir = try TempDir()
        let m = dir.url.appendingPathComponent("model")
        try FileManager.default.copyItem(at: Self.folder("roberta", "classifier"), to: m)
        let vocab = m.appendingPathComponent("vocab.txt")
        let words = try String(contentsOf: vocab, encoding: .utf8) + (0..<10).map { "extra\($0)\n" }.joined()
        try words.write(to: vocab, atomically: true, encoding: .utf8)
        #expect { try ModelBundle(directory: m) } throws: { e in
            let msg = (e as? LocalizedError)?.errorDescription ?? "\(e)"
            return msg.contains("215") && msg.contains("208")
        }
    }
}
