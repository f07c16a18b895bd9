import Foundation

import SiftEngine

/// A contiguous range of the parameter buffer (one tensor) and its optimizer settings.
public struct ParameterGroup: Sendable, Equatable {
    /// The tensor's checkpoint name (for messages and tests; the settings come from its role).
    public var name: String
    public var offset: Int
    public var count: Int
    /// Decoupled weight decay applies (false for biases and LayerNorm parameters).
    public var decay: Bool
    /// False for frozen tensors: AdamW leaves them (and their moments) untouched.
    public var trainable: Bool
    public init(name: String, offset: Int, count: Int, decay: Bool? = nil, trainable: Bool = true) {
        self.name = name; self.offset = offset; self.count = count
        self.decay = decay ?? ParameterGroup.decays(name)
        self.trainable = trainable
    }

    /// The group of one layout entry: decay from its role (`TensorRole.takesWeightDecay`).
    public init(entry: ParameterLayout.Entry, trainable: Bool = true) {
        self.init(name: entry.name, offset: entry.offset, count: entry.count,
                  decay: entry.role.takesWeightDecay, trainable: trainable)
    }

    /// transformers' Trainer rule read from a Hugging Face name, for groups made without a layout
    /// (no decay on any bias nor on LayerNorm parameters). Layout entries use their role instead.
    public static func decays(_ name: String) -> Bool {
        !(name.contains("bias") || name.contains("LayerNorm"))
    }
}

/// AdamW exactly as `torch.optim.AdamW` (decoupled weight decay, bias-corrected moments):
///
///     θ ← θ − lr·λ·θ                               (decay groups only)
///     m ← β1·m + (1−β1)·g,   v ← β2·v + (1−β2)·g²
///     θ ← θ − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
///
/// The moments are two buffers with the parameters' layout, so a step is one loop per group
/// and a checkpoint is three writes.
public final class AdamW: @unchecked Sendable {
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    public private(set) var m: [Float]
    public private(set) var v: [Float]
    /// Steps taken (t in the bias corrections).
    public private(set) var step: Int = 0
    public let groups: [ParameterGroup]

    public init(count: Int, groups: [ParameterGroup], weightDecay: Float = 0.01,
                beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8) {
        self.m = Array(repeating: 0, count: count)
        self.v = Array(repeating: 0, count: count)
        self.groups = groups
        self.weightDecay = weightDecay; self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
    }

    /// Restores state saved by a checkpoint.
    public func restore(step: Int, m: [Float], v: [Float]) throws {
        guard m.count == self.m.count, v.count == self.v.count else {
            throw TrainError.badCheckpoint("optimizer state has \(m.count) values, the model \(self.m.count)")
        }
        self.step = step; self.m = m; self.v = v
    }

    /// One update of `params` from `grads` (same layout) at learning rate `lr`.
    public func update(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, lr: Float) {
        step += 1
        let t = Float(step)
        let bc1 = 1 - Foundation.powf(beta1, t), bc2 = 1 - Foundation.powf(beta2, t)
        let stepSize = lr / bc1, sqrtBc2 = bc2.squareRoot()
        let b1 = beta1, b2 = beta2, eps = eps
        m.withUnsafeMutableBufferPointer { mb in
            v.withUnsafeMutableBufferPointer { vb in
                let m = mb.baseAddress!, v = vb.baseAddress!
                for g in groups where g.trainable {
                    let decayFactor: Float = g.decay ? 1 - lr * weightDecay : 1
                    for i in g.offset..<(g.offset + g.count) {
                        let gr = grads[i]
                        params[i] *= decayFactor
                        m[i] = b1 * m[i] + (1 - b1) * gr
                        v[i] = b2 * v[i] + (1 - b2) * gr * gr
                        params[i] -= stepSize * m[i] / (v[i].squareRoot() / sqrtBc2 + eps)
                    }
                }
            }
        }
    }
}
