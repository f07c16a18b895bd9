import Foundation
import SiftEngine

/// Focal loss (Lin et al. 2017), which down-weights examples the model already gets right.
///
/// Multi-class (softmax), mean over the batch, with optional per-class α (like class weights,
/// but averaged over B, not over Σ w — the paper's form):
///
///     ℓ_i = −α[y_i] · (1 − p_t)^γ · log p_t,      p_t = softmax(z_i)[y_i]
///     ∂ℓ/∂z_j = α · [γ(1−p_t)^(γ−1)·log p_t − (1−p_t)^γ / p_t] · p_t · (δ_jy − p_j)
///
/// Binary / multi-label (sigmoid), mean over B·K, as `torchvision.ops.sigmoid_focal_loss`:
///
///     p = σ(x), ce = BCE(x, y), p_t = p·y + (1−p)(1−y), α_t = α·y + (1−α)(1−y) (α < 0: α_t = 1)
///     ℓ = α_t · ce · (1 − p_t)^γ
///     ∂ℓ/∂x = α_t · [(p − y)(1−p_t)^γ − ce·γ(1−p_t)^(γ−1)·(2y−1)·p(1−p)]
///
/// γ = 0 reduces both to (weighted) cross-entropy.
public struct FocalLoss: TrainingLoss {
    public var gamma: Double
    /// Multi-class: per-class α (nil = 1). Binary: α for positives (negative value disables it).
    public var alpha: [Double]?
    public var binaryAlpha: Double
    public var binary: Bool

    public init(gamma: Double = 2, alpha: [Double]? = nil, binary: Bool = false, binaryAlpha: Double = 0.25) {
        self.gamma = gamma; self.alpha = alpha; self.binary = binary; self.binaryAlpha = binaryAlpha
    }

    func powm1(_ base: Double, _ e: Double) -> Double {
        // (1−p)^(γ−1)·γ with γ = 0 contributing nothing (avoids 0^−1).
        gamma == 0 ? 0 : gamma * Foundation.pow(base, e)
    }

    public func compute<T: GradScalar>(logits: UnsafePointer<T>, targets: LossTargets, B: Int, K: Int,
                                       dlogits: UnsafeMutablePointer<T>?, scale: Double) -> Double {
        guard B > 0 else { return 0 }
        if binary {
            guard case .values(let y) = targets else { return 0 }
            let n = Double(B * K)
            var total = 0.0
            for i in 0..<(B * K) {
                let x = Double(logits[i]), t = y[i]
                let p = 1 / (1 + Foundation.exp(-x))
                let ce = t * softplus(-x) + (1 - t) * softplus(x)
                let pt = p * t + (1 - p) * (1 - t)
                let at = binaryAlpha >= 0 ? binaryAlpha * t + (1 - binaryAlpha) * (1 - t) : 1
                let mod = Foundation.pow(1 - pt, gamma)
                total += at * ce * mod
                if let dlogits {
                    let d = at * ((p - t) * mod - ce * powm1(1 - pt, gamma - 1) * (2 * t - 1) * p * (1 - p))
                    dlogits[i] += T(d / n * scale)
                }
            }
            return total / n
        }
        guard case .classes(let y) = targets else { return 0 }
        var p = [Double](repeating: 0, count: K)
        var total = 0.0
        for i in 0..<B {
            let z = logits + i * K
            let lse = softmaxRow(z, K: K, into: &p)
            let yi = y[i]
            let a = alpha?[yi] ?? 1
            let logpt = Double(z[yi]) - lse
            let pt = p[yi]
            total += -a * Foundation.pow(1 - pt, gamma) * logpt
            if let dlogits {
                let dpt = powm1(1 - pt, gamma - 1) * logpt - Foundation.pow(1 - pt, gamma) / pt
                let g = dlogits + i * K
                for j in 0..<K {
                    g[j] += T(a * dpt * pt * ((j == yi ? 1 : 0) - p[j]) / Double(B) * scale)
                }
            }
        }
        return total / Double(B)
    }
}
