import Foundation
import SiftEngine

/// What a batch is trained towards.
public enum LossTargets: Sendable {
    /// One class index per example (single-label).
    case classes([Int])
    /// B×K values row-major: 0/1 (or soft) per label for multi-label, or K = 1 values for regression.
    case values([Double])
}

/// A training objective over logits [B, K]. `compute` returns the mean loss (PyTorch's
/// `reduction="mean"` semantics, per loss below) and, when `dlogits` is given, ADDS
/// `scale · ∂loss/∂logits` into it (scale = 1/accumulation steps for gradient accumulation).
public protocol TrainingLoss: Sendable {
    func compute<T: GradScalar>(logits: UnsafePointer<T>, targets: LossTargets, B: Int, K: Int,
                                dlogits: UnsafeMutablePointer<T>?, scale: Double) -> Double
}

/// Numerically stable log(1 + eˣ).
func softplus(_ x: Double) -> Double {
    x > 0 ? x + Foundation.log(1 + Foundation.exp(-x)) : Foundation.log(1 + Foundation.exp(x))
}

/// Row softmax in Double: p[K] = softmax(z[K]), returns log Σ exp(z) (the log-partition).
func softmaxRow<T: GradScalar>(_ z: UnsafePointer<T>, K: Int, into p: inout [Double]) -> Double {
    var mx = -Double.infinity
    for k in 0..<K { mx = Swift.max(mx, Double(z[k])) }
    var sum = 0.0
    for k in 0..<K { p[k] = Foundation.exp(Double(z[k]) - mx); sum += p[k] }
    for k in 0..<K { p[k] /= sum }
    return mx + Foundation.log(sum)
}
