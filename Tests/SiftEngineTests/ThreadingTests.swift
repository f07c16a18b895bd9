import Foundation
import Testing
import SiftTestSupport
@testable import SiftEngine

/// The ways a forward pass spreads over cores (lanes, per-op column splits, SIMD elementwise
/// loops) must compute what the plain one-thread pass computes.
@Suite struct ThreadingTests {
    /// Seeded token-id sequences of the given lengths (ids inside the vocabulary; for a real
    /// vocabulary [CLS] … [SEP] around ordinary word pieces).
    static func sequences(_ lengths: [Int], vocab: Int, seed: UInt64) -> [[Int32]] {
        var state = seed
        let lo = vocab > 2000 ? 1000 : 1
        func next() -> Int32 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int32(truncatingIfNeeded: (state >> 33) % UInt64(vocab - lo)) + Int32(lo)
        }
        if vocab <= 2000 { return lengths.map { t in (0..<t).map { _ in next() } } }
        return lengths.map { t in [101] + (0..<max(0, t - 2)).map { _ in next() } + [102] }
    }

    static func rows(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: p, count: count))
    }

    /// all-MiniLM-L6-v2 (set-up installs it): a batch in two lanes, each sequence alone with its
    /// ops split over two threads, and the one-thread pass agree on every output row.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: TestPaths.miniLM.appendingPathComponent("model.safetensors").path)))
    func lanesAndSplitOpsMatchOneThread() throws {
        let model = try BertModel.load(directory: TestPaths.miniLM, withClassifier: false)
        let lengths = [128, 3, 57, 12, 90, 33, 7, 64, 2, 41]
        let seqs = Self.sequences(lengths, vocab: model.config.vocabSize, seed: 7)
        let batch = try PackedBatch(sequences: seqs)
        let C = model.config.hiddenSize, N = batch.tokenCount

        let one = model.makeActivations(workers: 1)
        try model.forward(batch, acts: one, outputs: .pooler)
        let reference = Self.rows(one.lastHidden, N * C), referencePooled = Self.rows(one.pooled, batch.batchSize * C)

        let lanes = model.makeActivations(workers: 2)
        try model.forward(batch, acts: lanes, outputs: .pooler)
        let r = allClose(Self.rows(lanes.lastHidden, N * C), reference, atol: 1e-5, rtol: 1e-5)
        #expect(r.ok, "lanes: last hidden max diff \(r.maxDiff)")
        let rp = allClose(Self.rows(lanes.pooled, batch.batchSize * C), referencePooled, atol: 1e-5, rtol: 1e-5)
        #expect(rp.ok, "lanes: pooled max diff \(rp.maxDiff)")

        let split = model.makeActivations(workers: 2)
        for b in 0..<batch.batchSize {
            let single = batch.slice(sequences: b..<(b + 1))
            try model.forward(single, acts: split, outputs: .pooler)
            let expected = Array(reference[(batch.offsets[b] * C)..<(batch.offsets[b + 1] * C)])
            let rs = allClose(Self.rows(split.lastHidden, single.tokenCount * C), expected, atol: 1e-5, rtol: 1e-5)
            #expect(rs.ok, "sequence \(b) (\(lengths[b]) tokens) alone, split ops: max diff \(rs.maxDiff)")
        }
    }

    /// Lanes on the tiny model with a classification head: logits land in the caller's rows.
    @Test func lanesPutLogitsInBatchOrder() throws {
        let model = try BertModel.load(directory: TestPaths.fixture("tiny-bert/single-label"))
        let seqs = Self.sequences([5, 30, 2, 17, 9, 44, 3], vocab: model.config.vocabSize, seed: 3)
        let batch = try PackedBatch(sequences: seqs)
        let L = model.layout.numLabels!
        let one = model.makeActivations(workers: 1), three = model.makeActivations(workers: 3)
        try model.forward(batch, acts: one, outputs: .logits)
        try model.forward(batch, acts: three, outputs: .logits)
        let r = allClose(Self.rows(three.logits, batch.batchSize * L), Self.rows(one.logits, batch.batchSize * L), atol: 1e-6, rtol: 1e-6)
        #expect(r.ok, "max diff \(r.maxDiff)")
        // A second, smaller batch reuses the workspaces.
        let small = batch.slice(sequences: 2..<5)
        try model.forward(small, acts: one, outputs: .logits)
        try model.forward(small, acts: three, outputs: .logits)
        #expect(allClose(Self.rows(three.logits, 3 * L), Self.rows(one.logits, 3 * L), atol: 1e-6, rtol: 1e-6).ok)
    }

    /// Empty sequences (possible through the library API) keep the one-lane result: a zero [CLS]
    /// row into the pooler.
    @Test func emptySequencesGiveTheOneThreadResult() throws {
        let model = try BertModel.load(directory: TestPaths.fixture("tiny-bert/single-label"))
        let seqs: [[Int32]] = [[], [], [5, 6, 7], []]
        let batch = try PackedBatch(sequences: seqs)
        let C = model.config.hiddenSize, L = model.layout.numLabels!
        let one = model.makeActivations(workers: 1), two = model.makeActivations(workers: 2)
        try model.forward(batch, acts: one, outputs: .logits)
        try model.forward(batch, acts: two, outputs: .logits)
        #expect(Self.rows(two.pooled, 4 * C) == Self.rows(one.pooled, 4 * C))
        #expect(Self.rows(two.clsRows, C).allSatisfy { $0 == 0 })
        #expect(allClose(Self.rows(two.logits, 4 * L), Self.rows(one.logits, 4 * L), atol: 1e-6, rtol: 1e-6).ok)
    }

    @Test func laneBoundsCoverTheBatchWithBalancedCost() throws {
        let config = try BertModel.load(directory: TestPaths.fixture("tiny-bert/base")).config
        let lengths = [60, 2, 2, 2, 30, 30, 1, 64, 5, 5, 5, 5]
        let batch = try PackedBatch(sequences: lengths.map { [Int32](repeating: 5, count: $0) })
        for lanes in 1...5 {
            let bounds = BertModel.laneBounds(batch, lanes: lanes, config: config)
            #expect(bounds.first == 0 && bounds.last == batch.batchSize)
            #expect(bounds.count - 1 == lanes, "lanes \(lanes): \(bounds)")
            #expect(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "every lane non-empty: \(bounds)")
        }
        // Two lanes: neither part costs more than the whole minus its cheapest half-split allows.
        let b2 = BertModel.laneBounds(batch, lanes: 2, config: config)
        let cost = { (r: Range<Int>) in r.map { BertModel.laneCost(lengths[$0], config) }.reduce(0, +) }
        let total = cost(0..<lengths.count), worst = max(cost(0..<b2[1]), cost(b2[1]..<lengths.count))
        let largest = lengths.map { BertModel.laneCost($0, config) }.max()!
        #expect(worst <= total / 2 + largest, "split \(b2): worst lane \(worst) of \(total)")
        // More lanes than sequences: one sequence each.
        let three = try PackedBatch(sequences: [[1, 2], [3], [4, 5, 6]])
        #expect(BertModel.laneBounds(three, lanes: 8, config: config) == [0, 1, 2, 3])
    }

    @Test func columnSplitLinearEqualsOneSgemm() {
        let n = 37, ic = 96, oc = 200  // oc not a multiple of the 16-column alignment
        var rng = SystemRandomNumberGenerator()
        let inp = (0..<(n * ic)).map { _ in Float.random(in: -1...1, using: &rng) }
        let w = (0..<(oc * ic)).map { _ in Float.random(in: -1...1, using: &rng) }
        let bias = (0..<oc).map { _ in Float.random(in: -1...1, using: &rng) }
        var plain = [Float](repeating: 0, count: n * oc), split = plain
        plain.withUnsafeMutableBufferPointer { o in
            Ops.linearForward(out: o.baseAddress!, inp: inp, weight: w, bias: bias, n: n, inChannels: ic, outChannels: oc)
        }
        for workers in [2, 3, 7] {
            split.withUnsafeMutableBufferPointer { o in
                o.update(repeating: .nan)
                BLAS.singleThreaded {
                    Ops.linearForward(out: o.baseAddress!, inp: inp, weight: w, bias: bias, n: n, inChannels: ic, outChannels: oc, workers: workers)
                }
            }
            #expect(allClose(split, plain, atol: 1e-5, rtol: 1e-5).ok, "workers \(workers)")
        }
    }

    /// Each of the 16 lanes computes its own value (the scalar forms broadcast one value and read
    /// lane 0; their accuracy against libm is OpsTests.fastMathMatchesLibm).
    @Test func simdLanesAreIndependent() {
        var x: Float = -95
        var worst: Float = 0
        while x < 95 {
            var v = Ops.Vec()
            for i in 0..<16 { v[i] = x + Float(i) * 0.0013 }
            let e = Ops.fastExp(v), f = Ops.fastErf(v), t = Ops.fastTanh(v)
            for i in 0..<16 {
                let s = v[i]
                let se = Ops.fastExp(s)
                worst = max(worst, se == 0 ? abs(e[i]) : abs(e[i] - se) / se)
                worst = max(worst, abs(f[i] - Ops.fastErf(s)), abs(t[i] - Ops.fastTanh(s)))
            }
            x += 0.0371
        }
        #expect(worst <= 1e-7, "largest difference \(worst)")
        // GELU over a buffer that is not a multiple of 16 (SIMD body + scalar tail).
        let inp = (0..<45).map { Float($0) * 0.17 - 3.5 }
        var out = [Float](repeating: 0, count: 45)
        Ops.geluForward(out: &out, inp: inp, count: 45)
        for (o, x) in zip(out, inp) { #expect(abs(o - 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot().float))) < 1e-6) }
    }

    /// Inside the switch OpenBLAS is single-threaded, nested or not. (Restoring the count is not
    /// asserted: tests in other suites may hold the switch at the same time.)
    @Test func singleThreadedHoldsWhileNested() {
        BLAS.singleThreaded {
            #expect(BLAS.threads == 1)
            BLAS.singleThreaded { #expect(BLAS.threads == 1) }
            #expect(BLAS.threads == 1)
        }
    }
}

private extension Double {
    var float: Float { Float(self) }
}
