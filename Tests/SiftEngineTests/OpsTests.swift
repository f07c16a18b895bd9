import Foundation
import Testing
@testable import SiftEngine

@Suite struct OpsTests {
    @Test func fastMathMatchesLibm() {
        var maxExpRel: Float = 0, maxErf: Float = 0, maxTanh: Float = 0
        var x: Float = -30
        while x < 30 {
            let e = Foundation.exp(x)
            maxExpRel = max(maxExpRel, abs(Ops.fastExp(x) - e) / e)
            maxErf = max(maxErf, abs(Ops.fastErf(x) - Foundation.erf(x)))
            maxTanh = max(maxTanh, abs(Ops.fastTanh(x) - Foundation.tanh(x)))
            x += 0.00731
        }
        #expect(maxExpRel < 5e-7, "exp rel err \(maxExpRel)")
        #expect(maxErf < 5e-7, "erf abs err \(maxErf)")
        #expect(maxTanh < 5e-7, "tanh abs err \(maxTanh)")
        #expect(Ops.fastExp(-200) == 0 || Ops.fastExp(-200) < 1e-37)
        #expect(Ops.fastExp(0) == 1)
    }

    /// Reference values from PyTorch:
    ///   x = torch.tensor([[1., 2., 3., 4.], [-1., 0.5, 0., 2.]]); torch.nn.functional.layer_norm(x, (4,), eps=1e-12)
    ///   -> [[-1.3416408, -0.4472136, 0.4472136, 1.3416408], [-1.2701705, 0.11547001, -0.34641016, 1.5011106]]
    ///   torch.nn.functional.gelu(torch.tensor([-3., -1., 0., 0.5, 2.])) -> [-0.0040502, -0.1586553, 0., 0.3457312, 1.9544997]
    ///   gelu(..., approximate='tanh') -> [-0.0036374, -0.1588080, 0., 0.3457140, 1.9545977]
    @Test func smallOpsMatchPyTorch() {
        var x: [Float] = [1, 2, 3, 4, -1, 0.5, 0, 2]
        var out = [Float](repeating: 0, count: 8), mean = [Float](repeating: 0, count: 2), rstd = mean
        let w: [Float] = [1, 1, 1, 1], b: [Float] = [0, 0, 0, 0]
        Ops.layerNormForward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, n: 2, c: 4, eps: 1e-12)
        #expect(allClose(out, [-1.3416408, -0.4472136, 0.4472136, 1.3416408, -1.2701705, 0.11547001, -0.34641016, 1.5011106]).ok)
        x = [-3, -1, 0, 0.5, 2]
        var g = [Float](repeating: 0, count: 5)
        Ops.geluForward(out: &g, inp: x, count: 5)
        #expect(allClose(g, [-0.0040502, -0.1586553, 0, 0.3457312, 1.9544997], atol: 1e-6, rtol: 1e-5).ok, "\(g)")
        Ops.geluNewForward(out: &g, inp: x, count: 5)
        #expect(allClose(g, [-0.0036374, -0.1588080, 0, 0.3457140, 1.9545977], atol: 1e-6, rtol: 1e-5).ok, "\(g)")
        // Softmax with the last key masked.
        var s: [Float] = [1, 2, 3]
        let m: [Float] = [1, 1, 0]
        Ops.softmaxForward(&s, rows: 1, t: 3, keyMask: m)
        #expect(allClose(s, [0.26894142, 0.73105858, 0]).ok)
    }

    /// Packed attention equals a naive per-sequence, per-head loop, with 1 and 2 workers.
    @Test func attentionMatchesNaive() {
        let C = 8, NH = 2, HS = 4
        let lengths = [3, 1, 5]
        let offsets = [0, 3, 4, 9]
        let N = 9
        var rng = SplitMix(seed: 3)
        let qkv = (0..<(N * 3 * C)).map { _ in Float.random(in: -1...1, using: &rng) }
        var expected = [Float](repeating: 0, count: N * C)
        for (s, T) in lengths.enumerated() {
            let st = offsets[s]
            for h in 0..<NH {
                for i in 0..<T {
                    var sc = (0..<T).map { j in
                        (0..<HS).reduce(Float(0)) { $0 + qkv[(st + i) * 3 * C + h * HS + $1] * qkv[(st + j) * 3 * C + C + h * HS + $1] } / Float(HS).squareRoot()
                    }
                    let mx = sc.max()!
                    sc = sc.map { Foundation.exp($0 - mx) }
                    let z = sc.reduce(0, +)
                    for d in 0..<HS {
                        expected[(st + i) * C + h * HS + d] = (0..<T).reduce(Float(0)) { $0 + sc[$1] / z * qkv[(st + $1) * 3 * C + 2 * C + h * HS + d] }
                    }
                }
            }
        }
        for workers in [1, 2] {
            var out = [Float](repeating: 0, count: N * C)
            var probs = [Float](repeating: 0, count: workers * 25)
            Ops.attentionForward(out: &out, probs: &probs, qkv: qkv, offsets: offsets, probOffsets: nil, keyMask: nil,
                                 b: 3, c: C, heads: NH, maxT: 5, workers: workers)
            let r = allClose(out, expected)
            #expect(r.ok, "workers \(workers) max diff \(r.maxDiff)")
        }
    }
}

/// Deterministic generator for test data.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
