import Foundation
import SiftEngine
import SiftTestSupport
import SiftTokenizers
import Testing
@testable import SiftInference

/// The streaming runner against the loops it replaced, written out here as they were: tokenize a
/// chunk, pack, split to the token bound, forward, read the rows. Results must be identical,
/// bit for bit, not merely close.
@Suite struct OfflineRunnerTests {
    /// The pre-pipeline `sift predict`/`sift embed` loop.
    func oldLoop(_ texts: [String], model: BertModel, tokenizer: Tokenizer, maxLength: Int, batchSize: Int,
                 maxTokens: Int = 4096, _ body: (PackedBatch, Activations) throws -> Void) throws {
        let acts = model.makeActivations()
        let options = EncodeOptions(addSpecialTokens: true, maxLength: maxLength, truncation: .longestFirst)
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            let enc = tokenizer.encodeBatch(Array(texts[start..<min(start + batchSize, texts.count)]), options: options)
            for batch in try PackedBatch(sequences: enc.map(\.ids), typeIds: enc.map(\.typeIds)).split(maxTokens: maxTokens) {
                try body(batch, acts)
            }
        }
    }

    static let texts = ["the first of them", "and in a way he was not the one to say it was", "it", "", "the city",
                        Array(repeating: "he said that they were all in the same place", count: 9).joined(separator: " "),
                        "she had been there", "it was not the one"]

    @Test(arguments: ["single-label", "multi-label", "regression"])
    func tinyBertLogitsAreTheOldLoopsExactly(_ variant: String) throws {
        let bundle = try ModelBundle(directory: TestPaths.fixture("tiny-bert/\(variant)"))
        let got = try OfflineRunner(bundle: bundle, batchSize: 3).classify(Self.texts)
        var want: [[Float]] = []
        let L = bundle.labels.count
        try oldLoop(Self.texts, model: bundle.model, tokenizer: bundle.encoder.tokenizer, maxLength: bundle.maxLength, batchSize: 3) { batch, acts in
            try bundle.model.forward(batch, acts: acts, outputs: .logits)
            want += (0..<batch.batchSize).map { Array(UnsafeBufferPointer(start: acts.logits + $0 * L, count: L)) }
        }
        #expect(got.map(\.logits) == want)
        #expect(got.map(\.scores) == want.map { SequenceClassifier.scores($0, bundle.model.config.effectiveProblemType) })
        // And the PyTorch logits of the fixture's texts (first one: all-zero token types).
        let fx = try TinyFixture.load(variant)
        let first = try OfflineRunner(bundle: bundle).classify([fx.texts[0]])[0].logits
        for (a, b) in zip(first, try #require(fx.logits?[0])) { #expect(abs(a - b) <= 1e-5 + 1e-4 * abs(b)) }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: TestPaths.miniLM.appendingPathComponent("model.safetensors").path),
                   "all-MiniLM-L6-v2 not installed (run scripts/setup.sh)"))
    func miniLMEmbeddingsAreTheOldLoopsExactly() throws {
        struct Fixture: Decodable { var texts: [String]; var input_ids: [[Int32]]; var embeddings: [[Float]]; var max_length: Int }
        let fx = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: TestPaths.fixture("minilm/embeddings.json")))
        let bundle = try ModelBundle(directory: TestPaths.miniLM, maxLength: fx.max_length)
        // Tokenized once, into the Hugging Face ids (the long BBC article truncated at 512).
        #expect(bundle.encoder.encode(fx.texts).map(\.ids) == fx.input_ids)
        // Debug builds run the encoder slowly: a subset (with the 512-token article) keeps this quick.
        let long = try #require(fx.input_ids.firstIndex { $0.count == fx.max_length })
        let pick = Array(0..<24) + [long]
        let texts = pick.map { fx.texts[$0] }
        let got = try OfflineRunner(bundle: bundle, batchSize: 16).embed(texts)
        var want: [[Float]] = []
        let C = bundle.embedder.dimension
        try oldLoop(texts, model: bundle.model, tokenizer: bundle.encoder.tokenizer, maxLength: fx.max_length, batchSize: 16) { batch, acts in
            try bundle.embedder.embed(batch, acts: acts)
            want += (0..<batch.batchSize).map { Array(UnsafeBufferPointer(start: acts.sentence + $0 * C, count: C)) }
        }
        #expect(got == want)
        var maxDiff: Float = 0
        for (a, i) in zip(got, pick) { for (x, y) in zip(a, fx.embeddings[i]) { maxDiff = max(maxDiff, abs(x - y)) } }
        #expect(maxDiff <= 1e-4, "max |diff| to PyTorch \(maxDiff)")
    }

    /// Streaming: the runner pulls one chunk, answers it, then pulls the next; never more than
    /// `batchSize` texts are held, whatever the input size.
    @Test func streamingHoldsOneChunkAtATime() throws {
        let runner = OfflineRunner(bundle: try ModelBundle(directory: TestPaths.fixture("tiny-bert/base")), batchSize: 4)
        var pulled = 0, emitted = 0, maxHeld = 0
        try runner.embed(next: {
            guard pulled < 50 else { return nil }
            pulled += 1
            maxHeld = max(maxHeld, pulled - emitted)
            return Self.texts[pulled % Self.texts.count]
        }, emit: { v in
            #expect(v.count == 32)
            emitted += 1
        })
        #expect(pulled == 50 && emitted == 50)
        #expect(maxHeld <= 4, "held \(maxHeld) texts")
    }

    /// No forward pass gets more than the token bound (a longer single text goes alone), and the
    /// split changes nothing but float summation order.
    @Test func tokensPerForwardAreBounded() throws {
        let bundle = try ModelBundle(directory: TestPaths.fixture("tiny-bert/base"))
        let small = OfflineRunner(bundle: bundle, batchSize: 8, maxTokensPerForward: 20)
        let batches = try small.packedBatches(Self.texts)
        #expect(batches.count > 1)
        #expect(batches.map(\.batchSize).reduce(0, +) == Self.texts.count)
        #expect(batches.allSatisfy { $0.tokenCount <= 20 || $0.batchSize == 1 })
        let bounded = try small.embed(Self.texts)
        let whole = try OfflineRunner(bundle: bundle, batchSize: 8).embed(Self.texts)
        for (a, b) in zip(bounded, whole) { for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-6) } }
    }

    /// The trainer's entry: encodings sorted by length into batches, rows back in input order,
    /// equal to the trainer's former loop.
    @Test(arguments: [ForwardRows.logits, .pooled])
    func encodedForwardIsTheTrainersOldLoop(_ rows: ForwardRows) throws {
        let bundle = try ModelBundle(directory: TestPaths.fixture("tiny-bert/single-label"))
        let model = bundle.model
        let encs = bundle.encoder.encode(Self.texts)
        let got = try OfflineRunner.forward(encs, model: model, rows: rows, batchSize: 3)
        let W = rows == .logits ? bundle.labels.count : model.config.hiddenSize
        var want = [Float](repeating: 0, count: encs.count * W)
        let acts = model.makeActivations()
        let order = encs.indices.sorted { encs[$0].ids.count < encs[$1].ids.count }
        var i = 0
        while i < order.count {
            let idx = Array(order[i..<min(order.count, i + 3)])
            let batch = try PackedBatch(sequences: idx.map { encs[$0].ids }, typeIds: idx.map { encs[$0].typeIds })
            try model.forward(batch, acts: acts, outputs: rows == .logits ? .logits : .pooler)
            let src = rows == .logits ? acts.logits : acts.pooled
            for (b, row) in idx.enumerated() { for k in 0..<W { want[row * W + k] = src[b * W + k] } }
            i += 3
        }
        #expect(got == want)
        // Row r belongs to text r: the same text alone gives (nearly) the same row.
        let alone = try OfflineRunner.forward([encs[5]], model: model, rows: rows, batchSize: 1)
        for k in 0..<W { #expect(abs(alone[k] - got[5 * W + k]) <= 1e-5) }
    }
}
