import Foundation
import Testing
import SiftEngine
import SiftInference
import SiftTokenizers
import SiftTestSupport
@testable import SiftTrain

/// LoRA against PEFT: scripts/fixtures/make_lora_fixtures.py saves a PEFT adapter (r 4, alpha 8,
/// every encoder linear, random lora_B) over the trainer's tiny base, with PEFT autograd's
/// gradients, AdamW losses and merge_and_unload's logits.
@Suite struct LoRATests {
    struct State {
        var doc: [String: Any]
        var model: BertModel
        var batch: PackedBatch
        var targets: [Int]
        var versions: [String: String]
        var sequences: [[Int32]]
    }

    static var adapter: URL { TestPaths.fixture("lora/adapter") }

    func load() throws -> State {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("lora/lora_state.json"))) as? [String: Any])
        // base_model_name_or_path is "../../train/tiny-base": resolved against the adapter folder.
        let model = try LoRAAdapterFolder.load(directory: Self.adapter)
        let seqs = (doc["sequences"] as! [[Int]]).map { $0.map(Int32.init) }
        return State(doc: doc, model: model, batch: try PackedBatch(sequences: seqs), targets: doc["targets"] as! [Int],
                     versions: doc["versions"] as? [String: String] ?? [:], sequences: seqs)
    }

    /// Loss, logits and the gradient of every trained tensor against PEFT's; frozen tensors get none.
    func expectParity(_ s: State, _ ref: [String: Any], dropout: Dropout?, _ what: String) throws {
        let opt = Optimization(model: s.model, loss: CrossEntropyLoss(), trainable: .lora(pooler: false))
        let loss = try opt.accumulate(s.batch, targets: .classes(s.targets), dropout: dropout)
        let refLoss = (ref["loss"] as! NSNumber).doubleValue
        #expect(abs(loss - refLoss) < 1e-5, "\(what): loss \(loss) vs PEFT \(refLoss) (fixture from \(s.versions))")
        expectClose(opt.lastLogits, doubles(ref["logits"]), atol: 1e-5, rtol: 1e-4, "\(what) logits")
        let grads = try #require(ref["grads"] as? [String: Any])
        let trained = s.model.layout.entries.filter { TrainableParts.lora(pooler: false).trains($0.part) }
        #expect(Set(trained.map(\.name)) == Set(grads.keys), "\(what): Sift trains \(trained.map(\.name).sorted()), PEFT \(grads.keys.sorted())")
        for e in s.model.layout.entries {
            let got = Array(opt.grads[e.name]!)
            if let want = grads[e.name].map(doubles) {
                let scale = want.map(abs).max() ?? 0
                #expect(scale > 0, "\(what): \(e.name) has no gradient in the fixture: the check would be empty")
                expectClose(got, want, atol: max(1e-7, 1e-4 * scale), rtol: 1e-4, "\(what) \(e.name)")
            } else {
                #expect(got.allSatisfy { $0 == 0 }, "\(what): \(e.name) is frozen but has a gradient")
            }
        }
    }

    @Test func everyTrainedGradientMatchesPEFT() throws {
        let s = try load()
        #expect(s.model.lora?.sites.count == 12, "2 layers × 6 modules")
        let lora = try #require(s.model.lora?.config)
        #expect(lora.rank == 4 && lora.alpha == 8 && lora.dropout == 0 && !lora.rsLoRA)
        #expect(Set(lora.targets) == Set(s.doc["target_modules"] as! [String]), "PEFT writes target_modules as a set")
        try expectParity(s, s.doc, dropout: nil, "no dropout")
        let trained = s.model.layout.entries.filter { TrainableParts.lora(pooler: false).trains($0.part) }.reduce(0) { $0 + $1.count }
        #expect(trained == s.doc["trained_parameters"] as? Int)
    }

    /// lora_dropout drops the adapted layer's input on the LoRA branch only: PEFT's masks injected.
    @Test func loraDropoutMatchesPEFTWithInjectedMasks() throws {
        let s = try load()
        let ref = try #require(s.doc["dropout"] as? [String: Any])
        let masks = try #require(ref["masks"] as? [String: [Double]])
        var rates = DropoutRates(hidden: 0, attention: 0, classifier: 0)
        rates.lora = Float((ref["rate"] as! NSNumber).doubleValue)
        let names = ["query", "key", "value", "attention_output", "intermediate", "output"]
        let asked = LockedCounter(), scale = 1 / (1 - rates.lora)
        let provider: Dropout.MaskProvider = { site, out in
            guard case .lora(let s) = site, let m = masks["\(s.layer).\(names[s.module.rawValue])"], m.count == out.count else {
                preconditionFailure("\(site): no fixture mask of \(out.count) values")
            }
            asked.increment()
            for i in 0..<out.count { out[i] = Float(m[i]) * scale }
        }
        try expectParity(s, ref, dropout: Dropout(rates: rates, provider: provider), "lora_dropout 0.25")
        #expect(asked.value == 12, "every adapted layer draws its own mask")
    }

    @Test func sixAdamWStepsMatchPEFTAndLeaveTheBaseAlone() throws {
        let s = try load()
        let a = try #require(s.doc["adamw"] as? [String: Any])
        let refLosses = doubles(a["losses"])
        let before = Array(s.model.parameters.storage)
        let opt = Optimization(model: s.model, loss: CrossEntropyLoss(), trainable: .lora(pooler: false),
                               weightDecay: Float((a["weight_decay"] as! NSNumber).doubleValue),
                               maxGradNorm: Float((a["max_grad_norm"] as! NSNumber).doubleValue))
        var losses: [Double] = []
        for _ in refLosses.indices {
            losses.append(try opt.accumulate(s.batch, targets: .classes(s.targets)))
            opt.apply(lr: Float((a["lr"] as! NSNumber).doubleValue))
        }
        expectClose(losses, refLosses, atol: 1e-5, rtol: 1e-4, "6 AdamW step losses (PEFT \(refLosses))")
        for e in s.model.layout.entries where e.part != .adapters && e.part != .classifier {
            let now = Array(UnsafeBufferPointer(start: s.model.parameters.base + e.offset, count: e.count))
            #expect(now == Array(before[e.offset..<(e.offset + e.count)]), "\(e.name) is frozen but moved")
        }
    }

    @Test func mergingEqualsPEFTsMergeAndUnload() throws {
        let s = try load()
        let merged = s.model.mergingAdapters()
        #expect(merged.lora == nil && merged.layout.entries.allSatisfy { $0.part != .adapters })
        expectClose(Array(merged.parameters["encoder.layer.0.attention.self.query.weight"]!), doubles(s.doc["merged_query0"]),
                    atol: 1e-6, rtol: 1e-5, "merged query weight")
        let encodings = s.sequences.map { EncodedText(ids: $0, typeIds: [Int32](repeating: 0, count: $0.count)) }
        let want = doubles(s.doc["merged_logits"])
        let logits = try OfflineRunner.forward(encodings, model: merged, rows: .logits, batchSize: 8)
        expectClose(logits, want, atol: 1e-5, rtol: 1e-4, "merged logits")
        // The unmerged adapter predicts the same, and BertModel.load merges an adapter folder.
        expectClose(try OfflineRunner.forward(encodings, model: s.model, rows: .logits, batchSize: 8), want, atol: 1e-5, rtol: 1e-4, "unmerged logits")
        let loaded = try BertModel.load(directory: Self.adapter)
        #expect(loaded.lora == nil)
        // PEFT saves no tokenizer: predict takes the base's, and labels default to LABEL_k.
        #expect(LoRAAdapterFolder.tokenizerDirectory(Self.adapter).standardizedFileURL.path == TinyTask.base.standardizedFileURL.path)
        let classifier = try SequenceClassifier(directory: Self.adapter)
        #expect(classifier.labels == ["LABEL_0", "LABEL_1", "LABEL_2"])
        expectClose(try OfflineRunner.forward(encodings, model: loaded, rows: .logits, batchSize: 8), want, atol: 1e-5, rtol: 1e-4, "loaded logits")
    }

    @Test func writingThenReadingGivesTheSameAdapter() throws {
        let s = try load()
        let dir = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A whole model's weights from an earlier run must go.
        try Data("stale".utf8).write(to: dir.appendingPathComponent("model.safetensors"))
        try LoRAAdapterFolder.write(s.model, trainable: .lora(pooler: false), base: TinyTask.base.path, to: dir)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path))
        let back = try LoRAAdapterFolder.load(directory: dir)
        #expect(back.layout.entries.map(\.name) == s.model.layout.entries.map(\.name))
        #expect(Array(back.parameters.storage) == Array(s.model.parameters.storage))
        let peft = try LoRAAdapterFolder.readConfig(dir)
        #expect(peft.peftType == "LORA" && peft.taskType == "SEQ_CLS" && peft.r == 4 && peft.loraAlpha == 8)
        #expect(peft.modulesToSave == ["classifier"] && peft.baseModelNameOrPath == TinyTask.base.path)
        // Same names as PEFT wrote them.
        let names = try SafetensorsFile(url: dir.appendingPathComponent(LoRAAdapterFolder.weightsName)).tensors.keys
        let peftNames = try SafetensorsFile(url: Self.adapter.appendingPathComponent(LoRAAdapterFolder.weightsName)).tensors.keys
        #expect(Set(names) == Set(peftNames))
    }

    @Test func badSettingsAndWrongBasesAreRefusedByName() throws {
        let cfg = try BertConfig.load(TinyTask.base.appendingPathComponent("config.json"))
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return (error as? LocalizedError)?.errorDescription ?? "\(error)" }
        }
        let none = message { _ = try LoRAConfig(targets: ["nosuch"]).sites(config: cfg) }
        #expect(none.contains("'nosuch' matches no layer") && none.contains("attention.self.query"), "\(none)")
        let head = message { _ = try LoRAConfig(targets: ["classifier"]).sites(config: cfg) }
        #expect(head.contains("outside the encoder layers"), "\(head)")
        let pooler = message { _ = try LoRAConfig(targets: ["dense"]).sites(config: cfg) }
        #expect(pooler.contains("pooler"), "\(pooler)")
        #expect(message { try LoRAConfig(rank: 0).validate() }.contains("rank"))
        // PEFT's suffix rule: "output.dense" is both the attention output and the layer output.
        let sites = try LoRAConfig(targets: ["output.dense"]).sites(config: cfg)
        #expect(sites.map(\.module) == [.attentionOutput, .output, .attentionOutput, .output])

        // Options Sift does not compute are refused naming the key and the file.
        let dir = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in [LoRAAdapterFolder.weightsName] {
            try FileManager.default.copyItem(at: Self.adapter.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.adapter.appendingPathComponent(LoRAAdapterFolder.configName))) as! [String: Any]
        for (key, value) in [("use_dora", true as Any), ("lora_bias", true), ("exclude_modules", ["query"]), ("bias", "all"),
                             ("peft_type", "IA3")] {
            var c = original
            c[key] = value
            c["base_model_name_or_path"] = TinyTask.base.path
            try JSONSerialization.data(withJSONObject: c).write(to: dir.appendingPathComponent(LoRAAdapterFolder.configName))
            let m = message { _ = try LoRAAdapterFolder.load(directory: dir) }
            #expect(m.contains(LoRAAdapterFolder.configName) && m.contains(key), "\(key): \(m)")
        }
        // Over a base of another family (RoBERTa's layers are named roberta.*): refused, naming the file.
        var c = original
        c["base_model_name_or_path"] = TestPaths.fixture("families/roberta/base").path
        try JSONSerialization.data(withJSONObject: c).write(to: dir.appendingPathComponent(LoRAAdapterFolder.configName))
        let wrong = message { _ = try LoRAAdapterFolder.load(directory: dir) }
        #expect(wrong.contains(LoRAAdapterFolder.weightsName) && wrong.contains("made for another model") && wrong.contains("base_model.model.bert.encoder"), "\(wrong)")
        c["base_model_name_or_path"] = "/nowhere/model"
        try JSONSerialization.data(withJSONObject: c).write(to: dir.appendingPathComponent(LoRAAdapterFolder.configName))
        let missing = message { _ = try LoRAAdapterFolder.load(directory: dir) }
        #expect(missing.contains("/nowhere/model") && missing.contains("never downloads"), "\(missing)")
    }

    @Test func trainingWritesAnAdapterThatPredictsAsTrained() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let baseWeights = try Data(contentsOf: TinyTask.base.appendingPathComponent("model.safetensors"))
        var o = TinyTask.options(.lora, epochs: 4)
        o.learningRate = 1e-2
        o.lora = LoRAConfig(rank: 4, alpha: 8, dropout: 0.1, targets: ["query", "value", "intermediate.dense"])
        let trainer = try Trainer(base: TinyTask.base, train: TinyTask.dataset(60, seed: 1), eval: TinyTask.dataset(24, seed: 2),
                                  test: TinyTask.dataset(24, seed: 9), options: o, out: out)
        #expect(trainer.dropoutRates.hidden > 0, "the base's dropout stays on with LoRA, as in PEFT")
        let summary = try trainer.run()
        let accs = summary.epochs.compactMap(\.accuracy)
        print("tiny LoRA: \(summary.epochs.map { ($0.trainLoss, $0.accuracy ?? -1) }), trained \(trainer.trainedParameters)")
        #expect(summary.epochs.last!.trainLoss < summary.epochs.first!.trainLoss)
        #expect((accs.max() ?? 0) >= 0.8, "accuracies \(accs)")
        let (trained, total) = trainer.trainedParameters
        #expect(trained == 2 * (2 * 4 * (32 + 32) + 4 * (32 + 64)) + 3 * 32 + 3, "adapters of 2 layers + classifier")
        #expect(total > 5 * trained)

        // An adapter folder, not a whole model; the base is untouched.
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: out.appendingPathComponent("model.safetensors").path))
        #expect(fm.fileExists(atPath: out.appendingPathComponent("vocab.txt").path))
        #expect(try Data(contentsOf: TinyTask.base.appendingPathComponent("model.safetensors")) == baseWeights)
        // The saved adapter predicts as the merged model and as the folder loads for predict.
        let unmerged = try LoRAAdapterFolder.load(directory: out)
        let merged = unmerged.mergingAdapters()
        let classifier = try SequenceClassifier(directory: out)
        #expect(classifier.labels == ["city", "talk", "time"])
        let texts = TinyTask.dataset(12, seed: 5).examples.map(\.text)
        let tok = try Tokenizer(directory: out)
        let enc = tok.encodeBatch(texts, options: EncodeOptions()).map { EncodedText(ids: $0.ids, typeIds: $0.typeIds) }
        let a = try OfflineRunner.forward(enc, model: unmerged, rows: .logits, batchSize: 4)
        let b = try OfflineRunner.forward(enc, model: merged, rows: .logits, batchSize: 4)
        expectClose(b, a, atol: 1e-5, rtol: 1e-4, "merged vs unmerged logits")
        // Only the adapters and the head differ from the base.
        let base = try BertModel.load(directory: TinyTask.base, withClassifier: false)
        for name in ["embeddings.word_embeddings.weight", "encoder.layer.1.output.dense.weight", "pooler.dense.weight"] {
            #expect(Array(merged.parameters[name]!) == Array(base.parameters[name]!), "\(name) changed")
        }
        #expect(Array(merged.parameters["encoder.layer.1.attention.self.query.weight"]!)
                != Array(base.parameters["encoder.layer.1.attention.self.query.weight"]!))
        #expect(summary.test != nil && fm.fileExists(atPath: trainer.testMetricsURL.path))

        // sift merge: one whole folder, loaded as any other.
        let folder = TinyTask.tempDir()
        defer { try? fm.removeItem(at: folder) }
        #expect(try AdapterMerge.merge(adapter: out, to: folder) == 6)
        #expect(!LoRAAdapterFolder.isAdapter(folder))
        let c = try OfflineRunner.forward(enc, model: try BertModel.load(directory: folder), rows: .logits, batchSize: 4)
        expectClose(c, a, atol: 1e-5, rtol: 1e-4, "sift merge logits")
        #expect(throws: (any Error).self) { try AdapterMerge.merge(adapter: out, to: out) }
    }

    @Test func aPoolerTheBaseLacksTrainsAndIsSaved() throws {
        // A base without a pooler (sentence-transformers folders often have none).
        let base = TinyTask.tempDir(), out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: base); try? FileManager.default.removeItem(at: out) }
        let full = try BertModel.load(directory: TinyTask.base, withClassifier: false)
        let bare = BertModel(config: full.config, pooler: false, head: .none)
        for e in bare.layout.entries { (bare.parameters.base + e.offset).update(from: full.parameters[e.name]!.baseAddress!, count: e.count) }
        try bare.save(directory: base)
        for name in ["vocab.txt", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: TinyTask.base.appendingPathComponent(name), to: base.appendingPathComponent(name))
        }
        let trainer = try Trainer(base: base, train: TinyTask.dataset(30, seed: 1), eval: TinyTask.dataset(9, seed: 2),
                                  options: TinyTask.options(.lora, epochs: 1), out: out)
        #expect(trainer.trainable().pooler)
        _ = try trainer.run()
        #expect(try LoRAAdapterFolder.readConfig(out).modulesToSave == ["pooler", "classifier"])
        let names = try SafetensorsFile(url: out.appendingPathComponent(LoRAAdapterFolder.weightsName)).tensors.keys
        #expect(names.contains("base_model.model.bert.pooler.dense.weight"))
        let back = try LoRAAdapterFolder.load(directory: out)
        #expect(Array(back.parameters["pooler.dense.weight"]!) == Array(trainer.model.parameters["pooler.dense.weight"]!))
    }

    @Test func tokenClassificationRefusesLoRA() throws {
        var o = TinyTask.options(.lora)
        o.lora = LoRAConfig()
        #expect(throws: TrainError.self) {
            _ = try TokenClassificationTrainer(base: TinyTask.base, train: [], eval: [], options: o, out: TinyTask.tempDir(),
                                               sources: (train: "t", eval: "e", test: nil))
        }
    }
}

/// A counter the @Sendable mask provider can bump.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
