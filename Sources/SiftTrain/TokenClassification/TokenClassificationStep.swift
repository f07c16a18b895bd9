import Foundation
import SiftEngine

extension ParameterUpdate {
    /// The label of a token that takes no part in the loss (special tokens, padding, sub-tokens
    /// after a word's first): PyTorch's `ignore_index`.
    public static let ignoredLabel = -100

    /// One micro-batch of `BertForTokenClassification` training: a packed forward (recording;
    /// train-mode dropout when given, also before the classifier as transformers does), the
    /// classifier on every token, cross-entropy over the tokens whose label is not
    /// `ignoredLabel` (class weights as `nn.CrossEntropyLoss(weight:)`: a weighted mean), then the
    /// backward through the head and the encoder. Gradients scaled by `scale` are ADDED; returns
    /// the mean loss (0 when no token is labeled).
    @discardableResult
    public func accumulateTokens(_ batch: PackedBatch, labels: [Int], loss: CrossEntropyLoss, scale: Double = 1,
                                 dropout: Dropout? = nil) throws -> Double {
        let N = batch.tokenCount, C = model.config.hiddenSize
        guard labels.count == N else { throw TrainError.badInput("\(labels.count) token labels for a batch of \(N) tokens") }
        let head = try TokenClassificationHead(model: model)
        let L = head.numLabels
        for y in labels where y != Self.ignoredLabel && !(0..<L).contains(y) {
            throw TrainError.badInput("token label \(y) is outside the model's \(L) labels")
        }
        try model.forward(batch, acts: acts, outputs: [], dropout: dropout)
        // The classifier's input: lastHidden, or its dropped copy (the mask is kept for the backward).
        var input = Array(UnsafeBufferPointer(start: acts.lastHidden, count: N * C))
        var mask: [Float]? = nil
        if let dropout, dropout.rates.classifier > 0 {
            var m = [Float](repeating: 1, count: N * C)
            m.withUnsafeMutableBufferPointer { mb in
                input.withUnsafeMutableBufferPointer { dropout.draw(.classifier, into: mb, applyTo: $0.baseAddress!) }
            }
            mask = m
        }
        var logits = [Float](repeating: 0, count: N * L)
        input.withUnsafeBufferPointer { i in
            logits.withUnsafeMutableBufferPointer { head.forward(model: model, input: i.baseAddress!, tokens: N, logits: $0.baseAddress!) }
        }
        // The loss over the labeled rows only, compacted; its gradient scattered back.
        let rows = labels.indices.filter { labels[$0] != Self.ignoredLabel }
        guard !rows.isEmpty else { return 0 }
        var picked = [Float](repeating: 0, count: rows.count * L)
        for (k, r) in rows.enumerated() { for j in 0..<L { picked[k * L + j] = logits[r * L + j] } }
        var dpicked = [Float](repeating: 0, count: rows.count * L)
        let value = picked.withUnsafeBufferPointer { p in
            dpicked.withUnsafeMutableBufferPointer { d in
                loss.compute(logits: p.baseAddress!, targets: .classes(rows.map { labels[$0] }), B: rows.count, K: L,
                             dlogits: d.baseAddress!, scale: scale)
            }
        }
        guard value.isFinite else { throw TrainError.badInput("the loss became \(value) (learning rate too high?)") }
        var dlogits = [Float](repeating: 0, count: N * L)
        for (k, r) in rows.enumerated() { for j in 0..<L { dlogits[r * L + j] = dpicked[k * L + j] } }
        var dh = [Float](repeating: 0, count: N * C)
        input.withUnsafeBufferPointer { i in
            dlogits.withUnsafeBufferPointer { d in
                dh.withUnsafeMutableBufferPointer {
                    head.backward(model: model, input: i.baseAddress!, tokens: N, dlogits: d.baseAddress!,
                                  grads: trainable.trains(.classifier) ? grads : nil, dhidden: $0.baseAddress!)
                }
            }
        }
        if let mask { for i in 0..<(N * C) { dh[i] *= mask[i] } }
        try model.backward(batch, acts: acts, dlastHidden: dh, grads: grads, trainable: trainable)
        lastTokenLogits = logits
        return value
    }
}
