import Foundation
import Testing
import SiftEngine

/// Finite-difference tools for the backward tests, all in Double: central differences with
/// h = 1e-6 are accurate to ~1e-9 on these tiny smooth functions, so tolerances can be tight.

/// Deterministic normal-ish values (sum of uniforms from SplitMix64): tests never depend on a global RNG.
func randomArray(_ n: Int, seed: UInt64, scale: Double = 1) -> [Double] {
    var rng = DropoutRNG(seed: seed)
    return (0..<n).map { _ in
        var s = 0.0
        for _ in 0..<4 { s += Double(rng.nextUnit()) }
        return (s - 2) * scale * 1.7
    }
}

/// Numerical gradient of `f` with respect to every element of `x`.
func numericGradient(_ x: [Double], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    var g = [Double](repeating: 0, count: x.count)
    var xp = x
    for i in 0..<x.count {
        xp[i] = x[i] + h; let fp = f(xp)
        xp[i] = x[i] - h; let fm = f(xp)
        xp[i] = x[i]
        g[i] = (fp - fm) / (2 * h)
    }
    return g
}

/// |a − b| ≤ atol + rtol·|b| elementwise; records an issue naming the tensor and the max difference.
@discardableResult
func expectClose<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(
    _ a: [A], _ b: [B], atol: Double, rtol: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) -> Double {
    #expect(a.count == b.count, "\(what): \(a.count) values vs \(b.count)", sourceLocation: sourceLocation)
    var maxDiff = 0.0, worst = -1
    for i in 0..<min(a.count, b.count) {
        let d = abs(Double(a[i]) - Double(b[i]))
        if d > atol + rtol * abs(Double(b[i])), worst < 0 || d > maxDiff { worst = i }
        maxDiff = max(maxDiff, d)
    }
    #expect(worst < 0, "\(what): max |diff| \(maxDiff), first failing index \(worst)", sourceLocation: sourceLocation)
    return maxDiff
}

/// Σ out ⊙ r: the scalar whose gradient with respect to `out` is `r` (the upstream gradient).
func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
