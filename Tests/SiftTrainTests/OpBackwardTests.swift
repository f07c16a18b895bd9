import Foundation
import Testing
@testable import SiftEngine

// Every backward kernel against central differences of a Double reference forward, plus
// "backward twice without zeroing gives twice the gradient" (kernels must ADD, llm.c style).

// MARK: Double reference forwards (the mathematical definition each kernel differentiates)

func refLinear(_ x: [Double], _ w: [Double], _ b: [Double], N: Int, C: Int, OC: Int) -> [Double] {
    var out = [Double](repeating: 0, count: N * OC)
    for n in 0..<N { for o in 0..<OC {
        var s = b[o]
        for c in 0..<C { s += x[n * C + c] * w[o * C + c] }
        out[n * OC + o] = s
    } }
    return out
}

func refLayerNorm(_ x: [Double], _ w: [Double], _ b: [Double], N: Int, C: Int, eps: Double) -> [Double] {
    var out = x
    for n in 0..<N {
        let row = Array(x[(n * C)..<((n + 1) * C)])
        let mean = row.reduce(0, +) / Double(C)
        let v = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(C)
        for c in 0..<C { out[n * C + c] = (row[c] - mean) / (v + eps).squareRoot() * w[c] + b[c] }
    }
    return out
}

func refAttention(_ qkv: [Double], mask: [Int32]?, drop: [Double]?, T: Int, C: Int, NH: Int) -> [Double] {
    let HS = C / NH
    var out = [Double](repeating: 0, count: T * C)
    for h in 0..<NH { for i in 0..<T {
        var s = [Double](repeating: -.infinity, count: T)
        for j in 0..<T where mask == nil || mask![j] != 0 {
            var d = 0.0
            for e in 0..<HS { d += qkv[i * 3 * C + h * HS + e] * qkv[j * 3 * C + C + h * HS + e] }
            s[j] = d / Double(HS).squareRoot()
        }
        let mx = s.max()!
        let ex = s.map { exp($0 - mx) }
        let sum = ex.reduce(0, +)
        for j in 0..<T {
            let p = ex[j] / sum * (drop?[h * T * T + i * T + j] ?? 1)
            for e in 0..<HS { out[i * C + h * HS + e] += p * qkv[j * 3 * C + 2 * C + h * HS + e] }
        }
    } }
    return out
}

/// Runs `body` twice on zeroed gradients and checks the second result is twice the first.
func expectAccumulates(_ what: String, count: Int, _ body: (UnsafeMutablePointer<Double>) -> Void) {
    var once = [Double](repeating: 0, count: count), twice = once
    once.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    twice.withUnsafeMutableBufferPointer { body($0.baseAddress!); body($0.baseAddress!) }
    expectClose(twice, once.map { 2 * $0 }, atol: 1e-12, rtol: 1e-12, "\(what) twice")
}

@Suite struct OpBackwardTests {
    @Test func linearMatchesFiniteDifferences() {
        let N = 3, C = 4, OC = 5
        let x = randomArray(N * C, seed: 1), w = randomArray(OC * C, seed: 2), b = randomArray(OC, seed: 3)
        let r = randomArray(N * OC, seed: 4)
        var dx = [Double](repeating: 0, count: N * C), dw = [Double](repeating: 0, count: OC * C), db = [Double](repeating: 0, count: OC)
        Backward.linear(dinp: &dx, dweight: &dw, dbias: &db, dout: r, inp: x, weight: w, N: N, C: C, OC: OC)
        expectClose(dx, numericGradient(x) { dot(refLinear($0, w, b, N: N, C: C, OC: OC), r) }, atol: 1e-7, rtol: 1e-6, "dinp")
        expectClose(dw, numericGradient(w) { dot(refLinear(x, $0, b, N: N, C: C, OC: OC), r) }, atol: 1e-7, rtol: 1e-6, "dweight")
        expectClose(db, numericGradient(b) { dot(refLinear(x, w, $0, N: N, C: C, OC: OC), r) }, atol: 1e-7, rtol: 1e-6, "dbias")
        expectAccumulates("linear dweight", count: OC * C) {
            Backward.linear(dinp: nil, dweight: $0, dbias: nil, dout: r, inp: x, weight: w, N: N, C: C, OC: OC)
        }
        expectAccumulates("linear dinp", count: N * C) {
            Backward.linear(dinp: $0, dweight: nil, dbias: nil, dout: r, inp: x, weight: w, N: N, C: C, OC: OC)
        }
    }

    @Test func layerNormMatchesFiniteDifferences() {
        let N = 3, C = 6, eps = 1e-5
        let x = randomArray(N * C, seed: 5, scale: 2), w = randomArray(C, seed: 6), b = randomArray(C, seed: 7)
        let r = randomArray(N * C, seed: 8)
        var dx = [Double](repeating: 0, count: N * C), dw = [Double](repeating: 0, count: C), db = [Double](repeating: 0, count: C)
        Backward.layerNorm(dinp: &dx, dweight: &dw, dbias: &db, dout: r, inp: x, weight: w, N: N, C: C, eps: eps)
        expectClose(dx, numericGradient(x) { dot(refLayerNorm($0, w, b, N: N, C: C, eps: eps), r) }, atol: 1e-7, rtol: 1e-6, "dinp")
        expectClose(dw, numericGradient(w) { dot(refLayerNorm(x, $0, b, N: N, C: C, eps: eps), r) }, atol: 1e-7, rtol: 1e-6, "dweight")
        expectClose(db, numericGradient(b) { dot(refLayerNorm(x, w, $0, N: N, C: C, eps: eps), r) }, atol: 1e-7, rtol: 1e-6, "dbias")
        expectAccumulates("layerNorm dinp", count: N * C) {
            Backward.layerNorm(dinp: $0, dweight: nil, dbias: nil, dout: r, inp: x, weight: w, N: N, C: C, eps: eps)
        }
    }

    @Test(arguments: ["gelu", "gelu_new", "relu", "tanh"])
    func activationMatchesFiniteDifferences(_ act: String) {
        let n = 16
        // Keep ReLU's inputs away from its kink at 0, where the difference quotient is meaningless.
        let x = randomArray(n, seed: 9, scale: 2).map { act == "relu" && abs($0) < 0.01 ? 0.5 : $0 }
        let r = randomArray(n, seed: 10)
        let f: (Double) -> Double = switch act {
        case "gelu": { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
        case "gelu_new": { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
        case "relu": { max(0, $0) }
        default: { tanh($0) }
        }
        let run: (UnsafeMutablePointer<Double>) -> Void = { dx in
            switch act {
            case "gelu": Backward.gelu(dinp: dx, dout: r, inp: x, count: n)
            case "gelu_new": Backward.geluTanh(dinp: dx, dout: r, inp: x, count: n)
            case "relu": Backward.relu(dinp: dx, dout: r, inp: x, count: n)
            default: Backward.tanh(dinp: dx, dout: r, out: x.map(tanh), count: n)
            }
        }
        var dx = [Double](repeating: 0, count: n)
        dx.withUnsafeMutableBufferPointer { run($0.baseAddress!) }
        expectClose(dx, numericGradient(x) { dot($0.map(f), r) }, atol: 1e-7, rtol: 1e-6, act)
        expectAccumulates(act, count: n, run)
    }

    @Test(arguments: [false, true])
    func attentionWithMaskMatchesFiniteDifferences(_ withDropout: Bool) {
        let T = 5, C = 8, NH = 2
        let qkv = randomArray(T * 3 * C, seed: 11)
        let mask: [Int32] = [1, 1, 1, 0, 0]  // two padded keys
        var drop: [Double]? = nil
        if withDropout {
            var rng = DropoutRNG(seed: 3)
            var m = [Double](repeating: 0, count: NH * T * T), o = m
            let ones = [Double](repeating: 1, count: NH * T * T)
            Backward.dropoutForward(out: &o, mask: &m, inp: ones, count: m.count, p: 0.3, rng: &rng)
            #expect(m.contains(0) && m.contains { $0 > 1 })
            drop = m
        }
        let r = randomArray(T * C, seed: 12)
        let run: (UnsafeMutablePointer<Double>) -> Void = { d in
            mask.withUnsafeBufferPointer { mk in
                if let drop {
                    drop.withUnsafeBufferPointer { dm in
                        Backward.attention(dqkv: d, dout: r, qkv: qkv, keyMask: mk.baseAddress, dropMask: dm.baseAddress, T: T, C: C, NH: NH)
                    }
                } else {
                    Backward.attention(dqkv: d, dout: r, qkv: qkv, keyMask: mk.baseAddress, dropMask: nil, T: T, C: C, NH: NH)
                }
            }
        }
        var d = [Double](repeating: 0, count: T * 3 * C)
        d.withUnsafeMutableBufferPointer { run($0.baseAddress!) }
        let num = numericGradient(qkv) { dot(refAttention($0, mask: mask, drop: drop, T: T, C: C, NH: NH), r) }
        expectClose(d, num, atol: 1e-7, rtol: 1e-6, "dqkv")
        // Padded keys and values get exactly no gradient.
        for j in 3..<T { for c in C..<(3 * C) { #expect(d[j * 3 * C + c] == 0) } }
        expectAccumulates("attention", count: T * 3 * C, run)
    }

    @Test func embeddingsScatterAdd() {
        let N = 4, C = 3, V = 6, P = 5, TV = 2
        let ids: [Int32] = [2, 5, 2, 0], pos: [Int32] = [0, 1, 2, 0], types: [Int32] = [0, 0, 1, 1]
        let word = randomArray(V * C, seed: 13), position = randomArray(P * C, seed: 14), tt = randomArray(TV * C, seed: 15)
        let r = randomArray(N * C, seed: 16)
        func fwd(_ wd: [Double], _ ps: [Double], _ t: [Double]) -> [Double] {
            (0..<(N * C)).map { i in
                let n = i / C, c = i % C
                return wd[Int(ids[n]) * C + c] + ps[Int(pos[n]) * C + c] + t[Int(types[n]) * C + c]
            }
        }
        var dw = [Double](repeating: 0, count: V * C), dp = [Double](repeating: 0, count: P * C), dt = [Double](repeating: 0, count: TV * C)
        Backward.embeddings(dword: &dw, dposition: &dp, dtokenType: &dt, dout: r, ids: ids, positions: pos, types: types, N: N, C: C)
        expectClose(dw, numericGradient(word) { dot(fwd($0, position, tt), r) }, atol: 1e-7, rtol: 1e-6, "word")
        expectClose(dp, numericGradient(position) { dot(fwd(word, $0, tt), r) }, atol: 1e-7, rtol: 1e-6, "position")
        expectClose(dt, numericGradient(tt) { dot(fwd(word, position, $0), r) }, atol: 1e-7, rtol: 1e-6, "tokenType")
        // Token 2 appears twice: its row holds the sum of both upstream rows.
        #expect(abs(dw[2 * C] - (r[0] + r[2 * C])) < 1e-12)
        expectAccumulates("embeddings", count: V * C) {
            Backward.embeddings(dword: $0, dposition: nil, dtokenType: nil, dout: r, ids: ids, positions: pos, types: types, N: N, C: C)
        }
    }

    @Test func dropoutIsSeededScaledAndDifferentiable() {
        let n = 20_000, p: Float = 0.25
        let x = [Double](repeating: 1, count: n)
        var m1 = [Double](repeating: 0, count: n), o1 = m1, m2 = m1, o2 = m1
        var a = DropoutRNG(seed: 42), b = DropoutRNG(seed: 42)
        Backward.dropoutForward(out: &o1, mask: &m1, inp: x, count: n, p: p, rng: &a)
        Backward.dropoutForward(out: &o2, mask: &m2, inp: x, count: n, p: p, rng: &b)
        #expect(m1 == m2, "same seed, same mask")
        let dropped = Double(m1.filter { $0 == 0 }.count) / Double(n)
        #expect(abs(dropped - 0.25) < 0.015, "dropped fraction \(dropped)")
        #expect(m1.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3.0) < 1e-6 })
        let r = randomArray(n, seed: 17)
        var dx = [Double](repeating: 0, count: n)
        Backward.dropout(dinp: &dx, dout: r, mask: m1, count: n)
        for i in stride(from: 0, to: n, by: 997) { #expect(abs(dx[i] - r[i] * m1[i]) < 1e-15) }
        expectAccumulates("dropout", count: n) { Backward.dropout(dinp: $0, dout: r, mask: m1, count: n) }
    }

    @Test func floatKernelsAgreeWithDouble() {
        // The Float instantiation (what training runs) against the Double one on the same inputs.
        let N = 3, C = 8, NH = 2
        let qkv = randomArray(N * 3 * C, seed: 18), r = randomArray(N * C, seed: 19)
        var dD = [Double](repeating: 0, count: N * 3 * C)
        var dF = [Float](repeating: 0, count: N * 3 * C)
        Backward.attention(dqkv: &dD, dout: r, qkv: qkv, keyMask: nil, dropMask: nil, T: N, C: C, NH: NH)
        Backward.attention(dqkv: &dF, dout: r.map(Float.init), qkv: qkv.map(Float.init), keyMask: nil, dropMask: nil, T: N, C: C, NH: NH)
        expectClose(dF, dD, atol: 1e-5, rtol: 1e-4, "attention Float vs Double")
    }
}
