import Foundation

/// Learning-rate schedule: linear warm-up, then linear or cosine decay to 0, as transformers'
/// `get_linear_schedule_with_warmup` / `get_cosine_schedule_with_warmup` (num_cycles 0.5).
/// `multiplier(step)` is the factor for the optimizer step numbered `step` from 0 (HF's LambdaLR:
/// the first step of a warm-up runs at lr 0).
public struct LRSchedule: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case linear, cosine, constant }
    public var kind: Kind
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(kind: Kind, warmupSteps: Int, totalSteps: Int) {
        self.kind = kind; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps
    }

    /// Warm-up as a fraction of the total (HF `warmup_ratio`), rounded up like the Trainer.
    public init(kind: Kind, warmupRatio: Double, totalSteps: Int) {
        self.init(kind: kind, warmupSteps: Int((warmupRatio * Double(totalSteps)).rounded(.up)), totalSteps: totalSteps)
    }

    public func multiplier(_ step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        switch kind {
        case .constant: return 1
        case .linear:
            return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
        case .cosine:
            let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
            return max(0, 0.5 * (1 + cos(Double.pi * 2 * 0.5 * progress)))
        }
    }
}

/// Gradient clipping by global L2 norm, as `torch.nn.utils.clip_grad_norm_`: scales every
/// gradient by min(1, maxNorm / (‖g‖ + 1e-6)) and returns ‖g‖ before clipping.
/// Only the trainable groups count (frozen tensors have no gradient in PyTorch either).
@discardableResult
public func clipGradNorm(_ grads: UnsafeMutablePointer<Float>, groups: [ParameterGroup], maxNorm: Float) -> Float {
    var sq = 0.0
    for g in groups where g.trainable {
        for i in g.offset..<(g.offset + g.count) { sq += Double(grads[i]) * Double(grads[i]) }
    }
    let norm = Float(sq.squareRoot())
    let coef = min(1, maxNorm / (norm + 1e-6))
    if coef < 1 {
        for g in groups where g.trainable {
            for i in g.offset..<(g.offset + g.count) { grads[i] *= coef }
        }
    }
    return norm
}
