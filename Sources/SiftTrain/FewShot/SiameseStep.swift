import Foundation
import SiftEngine
import SiftInference

extension ParameterUpdate {
    /// One micro-batch of SetFit's body training: the 2B texts of B pairs in one packed forward
    /// (recording; train-mode dropout when given), pooled (and L2-normalized when the embedder
    /// normalizes), `CosineSimilarityLoss` against the pair labels, then the backward through
    /// normalization, pooling and the encoder. Gradients scaled by `scale` are ADDED; returns the
    /// mean loss.
    @discardableResult
    public func accumulatePairs(_ first: [EncodedText], _ second: [EncodedText], labels: [Float],
                                pooling: PoolingMode, normalize: Bool, scale: Double = 1, dropout: Dropout? = nil) throws -> Double {
        guard first.count == second.count, first.count == labels.count, !first.isEmpty else {
            throw TrainError.badInput("a pair batch needs as many second texts and labels as first texts")
        }
        let B = first.count, C = model.config.hiddenSize
        let batch = try PackedBatch(encodings: first + second)
        try model.forward(batch, acts: acts, outputs: [], dropout: dropout)
        let N = batch.tokenCount
        // raw pooled [2B, C]; e = normalized (or raw) embeddings.
        var raw = [Float](repeating: 0, count: 2 * B * C)
        batch.offsets.withUnsafeBufferPointer { off in
            (batch.keyMask ?? []).withUnsafeBufferPointer { m in
                Ops.poolForward(pooling, out: &raw, hidden: acts.lastHidden, offsets: off.baseAddress!,
                                keyMask: batch.keyMask == nil ? nil : m.baseAddress, b: 2 * B, c: C)
            }
        }
        var e = raw
        if normalize { Ops.l2NormalizeForward(&e, rows: 2 * B, c: C) }
        var de = [Float](repeating: 0, count: 2 * B * C)
        let value = e.withUnsafeBufferPointer { eb in
            de.withUnsafeMutableBufferPointer { d in
                CosineSimilarityLoss.compute(u: eb.baseAddress!, v: eb.baseAddress! + B * C, labels: labels, B: B, C: C,
                                             du: d.baseAddress!, dv: d.baseAddress! + B * C, scale: scale)
            }
        }
        guard value.isFinite else { throw TrainError.badInput("the loss became \(value) (learning rate too high?)") }
        var draw = de
        if normalize {
            draw = [Float](repeating: 0, count: 2 * B * C)
            Backward.l2Normalize(dinp: &draw, dout: de, inp: raw, rows: 2 * B, C: C)
        }
        var dh = [Float](repeating: 0, count: N * C)
        batch.offsets.withUnsafeBufferPointer { off in
            (batch.keyMask ?? []).withUnsafeBufferPointer { m in
                Backward.pool(pooling, dhidden: &dh, dout: draw, hidden: UnsafePointer(acts.lastHidden), offsets: off.baseAddress!,
                              keyMask: batch.keyMask == nil ? nil : m.baseAddress, B: 2 * B, C: C)
            }
        }
        try model.backward(batch, acts: acts, dlastHidden: dh, grads: grads, trainable: trainable)
        return value
    }
}
