import Foundation
import SiftEngine

/// One model being trained: its gradient buffer (same layout as the parameters), AdamW with its
/// moments, the loss, and which parts train. `accumulate` runs forward + loss + backward and adds
/// into the gradients; `apply` clips, steps the optimizer and clears the gradients (llm.c's
/// zero_grad). A training step with k accumulation micro-batches is k × accumulate, 1 × apply.
public final class Optimization: @unchecked Sendable {
    public let loss: any TrainingLoss
    public let update: ParameterUpdate
    public var model: BertModel { update.model }
    public var grads: ParameterBuffer { update.grads }
    public var optimizer: AdamW { update.optimizer }
    public var trainable: TrainableParts { update.trainable }
    public var groups: [ParameterGroup] { update.groups }
    public var maxGradNorm: Float? { update.maxGradNorm }
    var acts: Activations { update.acts }

    public init(model: BertModel, loss: any TrainingLoss, trainable: TrainableParts = .all,
                weightDecay: Float = 0.01, maxGradNorm: Float? = 1.0) {
        self.loss = loss
        update = ParameterUpdate(model: model, trainable: trainable, weightDecay: weightDecay, maxGradNorm: maxGradNorm)
    }

    /// Forward, loss and backward of one (micro-)batch; gradients scaled by `scale` are ADDED.
    /// With `dropout`, the forward runs in train mode and the backward applies its masks.
    /// Returns the batch's mean loss and leaves its logits readable in `lastLogits`.
    @discardableResult
    public func accumulate(_ batch: PackedBatch, targets: LossTargets, scale: Double = 1, dropout: Dropout? = nil) throws -> Double {
        try model.forward(batch, acts: acts, outputs: .logits, dropout: dropout)
        let B = batch.batchSize, L = model.layout.numLabels ?? 0
        var dlogits = [Float](repeating: 0, count: B * L)
        let value = loss.compute(logits: UnsafePointer(acts.logits), targets: targets, B: B, K: L,
                                 dlogits: &dlogits, scale: scale)
        guard value.isFinite else { throw TrainError.badInput("the loss became \(value) (learning rate too high?)") }
        lastLogits = Array(UnsafeBufferPointer(start: acts.logits, count: B * L))
        try dlogits.withUnsafeBufferPointer {
            try model.backward(batch, acts: acts, dlogits: $0.baseAddress!, grads: grads, trainable: trainable)
        }
        return value
    }

    public private(set) var lastLogits: [Float] = []

    /// Head-only step: logits = features[rows] · Wᵀ + b on cached pooled vectors [*, C] of a
    /// frozen encoder; only `classifier.*` receives gradients. `dropout` applies its classifier
    /// rate to the cached vectors (the encoder ran in eval mode; see docs/training.md).
    @discardableResult
    public func accumulateHead(features: UnsafePointer<Float>, rows: [Int], targets: LossTargets, scale: Double = 1,
                               dropout: Dropout? = nil) throws -> Double {
        let C = model.config.hiddenSize, L = model.layout.numLabels ?? 0, B = rows.count
        guard let head = model.weights.classifier else {
            throw TrainError.badOption("head-only training needs a classifier head")
        }
        let w = model.parameters.pointer(head.weight), b = model.parameters.pointer(head.bias)
        let gw = grads.pointer(head.weight), gb = grads.pointer(head.bias)
        var x = [Float](repeating: 0, count: B * C)
        for (i, r) in rows.enumerated() { for c in 0..<C { x[i * C + c] = features[r * C + c] } }
        if let dropout, dropout.rates.classifier > 0 {
            try dropout.rates.validate()
            var mask = [Float](repeating: 0, count: B * C)
            x.withUnsafeMutableBufferPointer { xb in
                mask.withUnsafeMutableBufferPointer { dropout.draw(.classifier, into: $0, applyTo: xb.baseAddress) }
            }
        }
        var logits = [Float](repeating: 0, count: B * L)
        for i in 0..<B { for k in 0..<L { logits[i * L + k] = b[k] } }
        BLAS.threaded { BLAS.sgemm(transA: false, transB: true, m: B, n: L, k: C, a: x, lda: C, b: w, ldb: C, beta: 1, c: &logits, ldc: L) }
        var dlogits = [Float](repeating: 0, count: B * L)
        let value = loss.compute(logits: logits, targets: targets, B: B, K: L, dlogits: &dlogits, scale: scale)
        guard value.isFinite else { throw TrainError.badInput("the loss became \(value) (learning rate too high?)") }
        lastLogits = logits
        BLAS.threaded { Backward.linear(dinp: nil, dweight: gw, dbias: gb, dout: dlogits, inp: x, weight: w, N: B, C: C, OC: L) }
        return value
    }

    /// Clips (if configured), takes one AdamW step at `lr` and zeroes the gradients.
    /// Returns the gradient norm before clipping.
    @discardableResult
    public func apply(lr: Float) -> Float { update.apply(lr: lr) }
}

/// The loss-independent half of a training step: the gradient buffer (the parameters' layout),
/// AdamW with its moments and groups (trainable by part, weight decay by role), clipping, and a
/// recording activation workspace. `Optimization` puts a logits loss on it; SetFit's body
/// training puts a pair loss on sentence embeddings.
public final class ParameterUpdate: @unchecked Sendable {
    public let model: BertModel
    public let grads: ParameterBuffer
    public let optimizer: AdamW
    public let trainable: TrainableParts
    public let groups: [ParameterGroup]
    public var maxGradNorm: Float?
    let acts: Activations
    /// [N, L] logits of the last token-classification micro-batch (tests read them).
    public internal(set) var lastTokenLogits: [Float] = []

    public init(model: BertModel, trainable: TrainableParts = .all, weightDecay: Float = 0.01, maxGradNorm: Float? = 1.0) {
        self.model = model
        self.trainable = trainable
        self.maxGradNorm = maxGradNorm
        grads = ParameterBuffer(layout: model.layout)
        // Trainable by part, weight decay by role (TensorID), never by name.
        groups = model.layout.entries.map { ParameterGroup(entry: $0, trainable: trainable.trains($0.part)) }
        optimizer = AdamW(count: model.layout.totalCount, groups: groups, weightDecay: weightDecay)
        acts = model.makeActivations(recording: true)
    }

    /// Clips (if configured), takes one AdamW step at `lr` and zeroes the gradients.
    /// Returns the gradient norm before clipping.
    @discardableResult
    public func apply(lr: Float) -> Float {
        let norm = clipGradNorm(grads.base, groups: groups, maxNorm: maxGradNorm ?? .infinity)
        optimizer.update(params: model.parameters.base, grads: grads.base, lr: lr)
        grads.zero()
        return norm
    }
}
