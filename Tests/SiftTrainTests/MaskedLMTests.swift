import Foundation
import Testing
import SiftEngine
import SiftInference
import SiftTokenizers
import SiftTestSupport
@testable import SiftTrain

/// Masked-LM pretraining against transformers: scripts/fixtures/make_mlm_fixtures.py saves a
/// BertForMaskedLM over the trainer's tiny base (random head), a batch masked by
/// DataCollatorForLanguageModeling with PyTorch's loss and gradients, and the fill-mask
/// pipeline's answers.
@Suite struct MaskedLMTests {
    static var modelDir: URL { TestPaths.fixture("mlm/model") }
    static var baseDir: URL { TestPaths.fixture("train/tiny-base") }

    static func state() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("mlm/mlm_state.json"))) as? [String: Any])
    }

    /// Loss, labeled logits and gradients (the tied decoder's share in the word embeddings
    /// included) against PyTorch autograd, dropout off.
    @Test func lossLogitsAndGradientsMatchPyTorch() throws {
        let doc = try Self.state()
        let (model, headLoaded) = try BertModel.loadMaskedLM(directory: Self.modelDir)
        #expect(headLoaded)
        #expect(model.layout.hasPooler, "the base's pooler is kept beside the head")
        let seqs = (doc["sequences"] as! [[Int]]).map { $0.map(Int32.init) }
        let labels = (doc["labels"] as! [[Int]]).flatMap { $0 }
        let update = ParameterUpdate(model: model, trainable: TrainableParts(pooler: false))
        let r = try update.accumulateMaskedLM(try PackedBatch(sequences: seqs), labels: labels)
        let versions = doc["versions"] ?? [:]
        let refLoss = (doc["loss"] as! NSNumber).doubleValue
        #expect(r.tokens == labels.filter { $0 != -100 }.count)
        #expect(abs(r.loss - refLoss) < 1e-5, "loss \(r.loss) vs PyTorch \(refLoss) (fixture from \(versions))")
        expectClose(update.lastTokenLogits, doubles(doc["labeled_logits"]), atol: 1e-5, rtol: 1e-4, "labeled logits")
        let grads = try #require(doc["grads"] as? [String: Any])
        #expect(grads.keys.contains("embeddings.word_embeddings.weight"))
        for (name, value) in grads {
            let want = doubles(value)
            let scale = want.map(abs).max() ?? 0
            #expect(scale > 0, "\(name): the fixture's gradient is zero; the check would be empty")
            let got = try #require(update.grads[name], "no tensor \(name) in the layout")
            expectClose(Array(got), want, atol: max(1e-7, 2e-4 * scale), rtol: 1e-4, "gradient of \(name)")
        }
        #expect(update.grads[model.naming.name(of: .pooler(.weight))]!.allSatisfy { $0 == 0 }, "the pooler takes no part")
    }

    /// Without the decoder's share the word embeddings' gradient is wrong: the test above would
    /// notice a head that forgot its tie.
    @Test func theTiedDecoderCarriesMostOfTheEmbeddingGradient() throws {
        let doc = try Self.state()
        let (model, _) = try BertModel.loadMaskedLM(directory: Self.modelDir)
        let seqs = (doc["sequences"] as! [[Int]]).map { $0.map(Int32.init) }
        let labels = (doc["labels"] as! [[Int]]).flatMap { $0 }
        let untied = ParameterUpdate(model: model, trainable: TrainableParts(pooler: false))
        // Frozen embeddings: the encoder adds nothing, the head keeps its hands off the table.
        let frozen = ParameterUpdate(model: model, trainable: TrainableParts(embeddings: false, pooler: false))
        try untied.accumulateMaskedLM(try PackedBatch(sequences: seqs), labels: labels)
        try frozen.accumulateMaskedLM(try PackedBatch(sequences: seqs), labels: labels)
        let name = "embeddings.word_embeddings.weight"
        #expect(frozen.grads[name]!.allSatisfy { $0 == 0 })
        let want = doubles((try #require(doc["grads"] as? [String: Any]))[name])
        // Rows of tokens that never appear in the batch get gradient only from the decoder.
        let seen = Set(seqs.flatMap { $0 }.map(Int.init))
        let C = model.config.hiddenSize
        let unseenRow = try #require((0..<model.config.vocabSize).first { !seen.contains($0) })
        let row = Array(untied.grads[name]![(unseenRow * C)..<((unseenRow + 1) * C)])
        #expect(row.contains { $0 != 0 }, "an unseen token's embedding row still learns through the decoder")
        expectClose(row, Array(want[(unseenRow * C)..<((unseenRow + 1) * C)]), atol: 1e-6, rtol: 1e-4, "decoder-only row")
    }

    @Test func oldGammaBetaNamesLoadAsTheSameWeights() throws {
        let (a, _) = try BertModel.loadMaskedLM(directory: Self.modelDir)
        let (b, headLoaded) = try BertModel.loadMaskedLM(directory: TestPaths.fixture("mlm/legacy"))
        #expect(headLoaded)
        #expect(Array(a.parameters.storage) == Array(b.parameters.storage))
        // The classification loader reads them too.
        let c = try BertModel.load(directory: TestPaths.fixture("mlm/legacy"))
        #expect(Array(c.parameters["embeddings.LayerNorm.weight"]!) == Array(a.parameters["embeddings.LayerNorm.weight"]!))
    }

    @Test func aBaseWithoutAHeadGetsTransformersInitialization() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let p = try Pretrainer(base: Self.baseDir, texts: Self.corpus, options: Self.options(epochs: 1), masking: MaskingOptions(), out: out)
        #expect(!p.headLoaded)
        let w = try #require(p.model.weights.maskedLM)
        let params = p.model.parameters
        #expect(params[w.layerNorm.weight].allSatisfy { $0 == 1 } && params[w.layerNorm.bias].allSatisfy { $0 == 0 })
        #expect(params[w.decoder.bias].allSatisfy { $0 == 0 } && params[w.transform.bias].allSatisfy { $0 == 0 })
        let dense = params[w.transform.weight].map(Double.init)
        let sd = (dense.map { $0 * $0 }.reduce(0, +) / Double(dense.count)).squareRoot()
        #expect(abs(sd - Double(p.model.config.initializerRange)) < 0.02, "N(0, initializer_range): sd \(sd)")
    }

    @Test func fillMaskMatchesThePipeline() throws {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("mlm/fill_mask.json"))) as? [String: Any])
        let filler = try MaskFiller(directory: Self.modelDir)
        let k = doc["top_k"] as! Int
        for case let r as [String: Any] in doc["results"] as! [Any] {
            let text = r["text"] as! String
            let want = r["predictions"] as! [[[String: Any]]]
            let got = try filler.fill(text, topK: k)
            #expect(got.count == want.count, "\(text): \(got.count) masks vs \(want.count)")
            for (g, w) in zip(got, want) {
                #expect(g.map(\.token) == w.map { $0["token"] as! Int }, "\(text): tokens")
                #expect(g.map(\.tokenStr) == w.map { $0["token_str"] as! String }, "\(text): token strings")
                #expect(g.map(\.sequence) == w.map { $0["sequence"] as! String }, "\(text): sequences")
                expectClose(g.map(\.score), w.map { ($0["score"] as! NSNumber).doubleValue }, atol: 1e-6, rtol: 1e-4, "\(text): scores")
            }
        }
        #expect(throws: InferenceError.self) { try filler.fill("no mask here") }
        #expect(throws: InferenceError.self) { try MaskFiller(directory: Self.baseDir) }
    }

    // MARK: masking

    static let corpus = [
        "the city was new and the school was made in the national state",
        "she had two years of music at the university",
        "he is the first man in the city",
        "the team won the series at home",
        "they made a film about the war in the north",
        "my family found a house in the south",
        "we know the school is new",
        "the company made music for the season",
    ]

    @Test func maskingFollowsTheCollatorsRates() throws {
        let tok = try Tokenizer(directory: Self.baseDir)
        let text = Array(repeating: "the city was new and the school was made in the national state", count: 4).joined(separator: " ")
        let item = PretrainingItem(encoding: tok.encode(text), text: text)
        let collator = MaskingCollator(options: MaskingOptions(), maskTokenId: 4, vocabSize: tok.vocabSize)
        var chosen = 0, masked = 0, random = 0, kept = 0, candidates = 0
        for index in 0..<2000 {
            let m = collator.mask(item, seed: 7, epoch: 0, index: index)
            for i in item.ids.indices {
                if item.special[i] {
                    #expect(m.labels[i] == -100 && m.ids[i] == item.ids[i], "special tokens are never chosen")
                    continue
                }
                candidates += 1
                guard m.labels[i] != -100 else { #expect(m.ids[i] == item.ids[i]); continue }
                #expect(m.labels[i] == Int(item.ids[i]), "the label is the original token")
                chosen += 1
                if m.ids[i] == 4 { masked += 1 } else if m.ids[i] == item.ids[i] { kept += 1 } else { random += 1 }
            }
        }
        let share = Double(chosen) / Double(candidates)
        #expect(abs(share - 0.15) < 0.005, "chosen share \(share)")
        #expect(abs(Double(masked) / Double(chosen) - 0.8) < 0.01)
        // A random draw can hit the token itself (1 in 205) and count as kept.
        #expect(abs(Double(random) / Double(chosen) - 0.1) < 0.01)
        #expect(abs(Double(kept) / Double(chosen) - 0.1) < 0.01)
        #expect(collator.mask(item, seed: 7, epoch: 0, index: 3) == collator.mask(item, seed: 7, epoch: 0, index: 3), "seeded")
        #expect(collator.mask(item, seed: 7, epoch: 1, index: 3) != collator.mask(item, seed: 7, epoch: 0, index: 3), "fresh each epoch")
    }

    @Test func wholeWordMaskingKeepsWordsTogetherAndCJKCharactersApart() throws {
        let tok = try Tokenizer(directory: Self.baseDir)
        // "schools" → school ##s: one word of two tokens; CJK characters (each [UNK]) are words each.
        let text = "schools 城市很新 years"
        let e = tok.encode(text)
        let item = PretrainingItem(encoding: e, text: text)
        #expect(item.words == [-1, 0, 0, 1, 2, 3, 4, 5, -1], "words from offsets: \(item.words) for \(e.tokens)")
        let collator = MaskingCollator(options: MaskingOptions(probability: 0.5, wholeWord: true), maskTokenId: 4, vocabSize: tok.vocabSize)
        var sawSplit = false
        for index in 0..<200 {
            let m = collator.mask(item, seed: 1, epoch: 0, index: index)
            #expect((m.labels[1] == -100) == (m.labels[2] == -100), "school and ##s are chosen together")
            if (m.labels[3] == -100) != (m.labels[4] == -100) { sawSplit = true }
        }
        #expect(sawSplit, "two CJK characters are separate words")
    }

    // MARK: the trainer

    static func options(epochs: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs; o.batchSize = 4; o.learningRate = 2e-3; o.maxLength = 32; o.progress = false; o.warmupRatio = 0
        return o
    }

    @Test func pretrainingLowersTheHeldOutLossAndWritesAMaskedLMFolder() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let texts = (0..<6).flatMap { _ in Self.corpus }
        let p = try Pretrainer(base: Self.modelDir, texts: texts, validationTexts: Self.corpus, options: Self.options(epochs: 4),
                               masking: MaskingOptions(probability: 0.3), out: out)
        let before = try p.validate().loss
        let s = try p.run()
        #expect(s.epochs.count == 4)
        let best = try #require(s.bestValidationLoss)
        #expect(best < before - 0.5, "validation masked-token loss \(before) → \(best)")
        let (saved, headLoaded) = try BertModel.loadMaskedLM(directory: out)
        #expect(headLoaded && saved.config.architectures == ["BertForMaskedLM"])
        // The encoder loads for fine-tuning as any BERT folder.
        let encoder = try BertModel.load(directory: out)
        #expect(encoder.head == .none && encoder.layout.hasPooler)
        _ = try MaskFiller(directory: out).fill("the [MASK] was new")
        #expect(ModelSummary(bundle: try ModelBundle(directory: out)).heads == ["pooler", "masked-lm"], "sift info names the head")
        let log = try String(contentsOf: out.appendingPathComponent("training_log.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").filter { $0.contains("\"eval\"") }.count == 5, "before training and each epoch")
    }

    @Test func resumingGivesTheWeightsOfAnUninterruptedRun() throws {
        let a = TinyTask.tempDir(), b = TinyTask.tempDir()
        defer { for u in [a, b] { try? FileManager.default.removeItem(at: u) } }
        let texts = (0..<3).flatMap { _ in Self.corpus }
        var o = Self.options(epochs: 3)
        o.hiddenDropout = 0.1
        let whole = try Pretrainer(base: Self.baseDir, texts: texts, options: o, masking: MaskingOptions(), out: a)
        _ = try whole.run()
        let first = try Pretrainer(base: Self.baseDir, texts: texts, options: o, masking: MaskingOptions(), out: b)
        first.stopAfterEpochs = 1
        _ = try first.run()
        let resumed = try Pretrainer(base: Self.baseDir, texts: texts, options: o, masking: MaskingOptions(), out: b)
        _ = try resumed.run(resume: true)
        #expect(Array(whole.model.parameters.storage) == Array(resumed.model.parameters.storage))
    }

    @Test func badInputIsRefusedByName() throws {
        let out = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        var o = Self.options(epochs: 1)
        #expect(throws: TrainError.self) { try Pretrainer(base: Self.baseDir, texts: ["", "  "], options: o, masking: MaskingOptions(), out: out) }
        #expect(throws: TrainError.self) { try Pretrainer(base: Self.baseDir, texts: Self.corpus, options: o, masking: MaskingOptions(probability: 0), out: out) }
        o.mode = .headOnly
        #expect(throws: TrainError.self) { try Pretrainer(base: Self.baseDir, texts: Self.corpus, options: o, masking: MaskingOptions(), out: out) }
        #expect(throws: (any Error).self) { try Pretrainer(base: TestPaths.fixture("lora/adapter"), texts: Self.corpus, options: Self.options(epochs: 1), masking: MaskingOptions(), out: out) }
    }
}
