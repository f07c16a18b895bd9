import Foundation
import SiftEngine

/// Sigmoid binary cross-entropy for multi-label heads, as `torch.nn.BCEWithLogitsLoss(pos_weight=…)`
/// with mean reduction over all B·K entries:
///
///     ℓ = pw[k]·y·softplus(−x) + (1−y)·softplus(x)       (= −[pw·y·log σ(x) + (1−y)·log(1−σ(x))])
///     ∂ℓ/∂x = pw[k]·y·(σ(x) − 1) + (1−y)·σ(x)
public struct BCEWithLogitsLoss: TrainingLoss {
    public var posWeight: [Double]?
    public init(posWeight: [Double]? = nil) { self.posWeight = posWeight }

    public func compute<T: GradScalar>(logits: UnsafePointer<T>, targets: LossTargets, B: Int, K: Int,
                                       dlogits: UnsafeMutablePointer<T>?, scale: Double) -> Double {
        guard case .values(let y) = targets, B > 0 else { return 0 }
        let n = Double(B * K)
        var total = 0.0
        for i in 0..<(B * K) {
            let x = Double(logits[i]), t = y[i]
            let pw = posWeight?[i % K] ?? 1
            total += pw * t * softplus(-x) + (1 - t) * softplus(x)
            if let dlogits {
                let s = 1 / (1 + Foundation.exp(-x))
                dlogits[i] += T((pw * t * (s - 1) + (1 - t) * s) / n * scale)
            }
        }
        return total / n
    }
}

/// Mean squared error for regression (`num_labels` 1), as HF's `MSELoss()(logits.squeeze(), labels)`:
/// mean over B·K of (x − y)², gradient 2(x − y)/(B·K).
public struct MSELoss: TrainingLoss {
    public init() {}
    public func compute<T: GradScalar>(logits: UnsafePointer<T>, targets: LossTargets, B: Int, K: Int,
                                       dlogits: UnsafeMutablePointer<T>?, scale: Double) -> Double {
        guard case .values(let y) = targets, B > 0 else { return 0 }
        let n = Double(B * K)
        var total = 0.0
        for i in 0..<(B * K) {
            let d = Double(logits[i]) - y[i]
            total += d * d
            dlogits?[i] += T(2 * d / n * scale)
        }
        return total / n
    }
}
