import Foundation
import Testing
import SiftTestSupport
@testable import SiftEngine
import SiftInference

/// Reference tensors written by scripts/fixtures/make_engine_fixtures.py (PyTorch + transformers;
/// versions inside the file): a padded HF batch of 4 sequences of different lengths, compared at
/// the real token positions against our packed forward.
struct TinyExpected: Decodable {
    var versions: [String: String]
    var input_ids: [[Int32]]
    var token_type_ids: [[Int32]]
    var hidden_act: String
    var problem_type: String?
    var last_hidden_state: [[Float]]
    var pooler_output: [[Float]]
    var logits: [[Float]]?

    static func load(_ variant: String) throws -> TinyExpected {
        let url = TestPaths.fixture("tiny-bert/\(variant)/expected.json")
        let fx = try JSONDecoder().decode(TinyExpected.self, from: Data(contentsOf: url))
        print("tiny-bert/\(variant): reference from \(fx.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))"
              + " (regenerate: .venv/bin/python scripts/fixtures/make_engine_fixtures.py)")
        return fx
    }
}

@Suite struct TinyBertParityTests {
    @Test(arguments: ["base", "single-label", "multi-label", "regression"])
    func forwardMatchesTransformers(variant: String) throws {
        let dir = TestPaths.fixture("tiny-bert/\(variant)")
        let exp = try TinyExpected.load(variant)
        let model = try BertModel.load(directory: dir)
        #expect(model.config.hiddenAct.rawValue == exp.hidden_act)
        let batch = try PackedBatch(sequences: exp.input_ids, typeIds: exp.token_type_ids)
        let acts = model.makeActivations()
        let hasHead = exp.logits != nil
        try model.forward(batch, acts: acts, outputs: hasHead ? .logits : .pooler)
        let C = model.config.hiddenSize
        for b in 0..<batch.batchSize {
            let got = Array(UnsafeBufferPointer(start: acts.lastHidden + batch.offsets[b] * C, count: batch.length(b) * C))
            let r = allClose(got, exp.last_hidden_state[b])
            #expect(r.ok, "\(variant) last_hidden_state[\(b)] max diff \(r.maxDiff)")
            let pooled = Array(UnsafeBufferPointer(start: acts.pooled + b * C, count: C))
            let rp = allClose(pooled, exp.pooler_output[b])
            #expect(rp.ok, "\(variant) pooler_output[\(b)] max diff \(rp.maxDiff)")
            if let logits = exp.logits {
                let L = logits[b].count
                let got = Array(UnsafeBufferPointer(start: acts.logits + b * L, count: L))
                let rl = allClose(got, logits[b])
                #expect(rl.ok, "\(variant) logits[\(b)] max diff \(rl.maxDiff)")
            }
        }
    }

    /// Training mode keeps a slot per layer; its outputs must equal inference mode's exactly.
    @Test func recordingModeGivesSameOutputs() throws {
        let exp = try TinyExpected.load("single-label")
        let model = try BertModel.load(directory: TestPaths.fixture("tiny-bert/single-label"))
        let batch = try PackedBatch(sequences: exp.input_ids, typeIds: exp.token_type_ids)
        // One worker each: the lanes and split ops are compared with one thread in ThreadingTests.
        let a = model.makeActivations(recording: false, workers: 1), r = model.makeActivations(recording: true, workers: 1)
        try model.forward(batch, acts: a, outputs: .logits)
        try model.forward(batch, acts: r, outputs: .logits)
        let n = batch.batchSize * 3
        #expect(Array(UnsafeBufferPointer(start: a.logits, count: n)) == Array(UnsafeBufferPointer(start: r.logits, count: n)))
        // Each row of every kept attention matrix is a distribution.
        let total = r.probOffsets.last!
        let probs = UnsafeBufferPointer(start: r.probs(1), count: total)
        let t0 = batch.length(0)
        let row = (0..<t0).map { probs[$0] }.reduce(0, +)
        #expect(abs(row - 1) < 1e-5)
    }

    /// HF-style padded input with an attention mask gives the same real-token outputs as packing.
    @Test func paddedWithMaskEqualsPacked() throws {
        let exp = try TinyExpected.load("base")
        let model = try BertModel.load(directory: TestPaths.fixture("tiny-bert/base"))
        let T = exp.input_ids.map(\.count).max()!
        let padded = exp.input_ids.map { $0 + Array(repeating: 0, count: T - $0.count) }
        let types = exp.token_type_ids.map { $0 + Array(repeating: 0, count: T - $0.count) }
        let masks = exp.input_ids.map { Array(repeating: Int32(1), count: $0.count) + Array(repeating: 0, count: T - $0.count) }
        let batch = try PackedBatch(sequences: padded, typeIds: types, attentionMasks: masks)
        let acts = model.makeActivations()
        try model.forward(batch, acts: acts)
        let C = model.config.hiddenSize
        for b in 0..<batch.batchSize {
            let got = Array(UnsafeBufferPointer(start: acts.lastHidden + batch.offsets[b] * C, count: exp.input_ids[b].count * C))
            let r = allClose(got, exp.last_hidden_state[b])
            #expect(r.ok, "padded[\(b)] max diff \(r.maxDiff)")
        }
    }

    @Test func classifierScoresFollowProblemType() throws {
        for (variant, problem) in [("single-label", ProblemType.singleLabel), ("multi-label", .multiLabel), ("regression", .regression)] {
            let fx = try TinyExpected.load(variant)
            let clf = try SequenceClassifier(directory: TestPaths.fixture("tiny-bert/\(variant)"))
            #expect(clf.problemType == problem)
            // Sequence 0 of the fixture has all-zero token types, which predict() assumes.
            let p0 = try clf.predict([fx.input_ids[0]])[0]
            let logits = fx.logits![0]
            #expect(allClose(p0.logits, logits).ok)
            switch problem {
            case .singleLabel:
                #expect(abs(p0.scores.reduce(0, +) - 1) < 1e-5)
                #expect(p0.scores.firstIndex(of: p0.scores.max()!) == logits.firstIndex(of: logits.max()!))
            case .multiLabel:
                for (s, z) in zip(p0.scores, logits) { #expect(abs(s - 1 / (1 + exp(-z))) < 1e-6) }
            case .regression:
                #expect(p0.scores == p0.logits)
            }
        }
    }
}

@Test func splitBatchesGiveTheSameEmbeddings() throws {
    let exp = try TinyExpected.load("base")
    let model = try BertModel.load(directory: TestPaths.fixture("tiny-bert/base"))
    let embedder = SentenceEmbedder(model: model)
    let batch = try PackedBatch(sequences: exp.input_ids)
    let parts = batch.split(maxTokens: 20)
    #expect(parts.count > 1)
    #expect(parts.map(\.batchSize).reduce(0, +) == batch.batchSize)
    #expect(parts.flatMap(\.ids) == batch.ids)
    let whole = try embedder.embed(exp.input_ids)
    var pieces: [[Float]] = []
    let acts = model.makeActivations()
    for p in parts {
        try embedder.embed(p, acts: acts)
        pieces += (0..<p.batchSize).map { Array(UnsafeBufferPointer(start: acts.sentence + $0 * 32, count: 32)) }
    }
    #expect(pieces.count == whole.count)
    for (a, b) in zip(pieces, whole) { #expect(allClose(a, b, atol: 1e-6, rtol: 0).ok) }
}
