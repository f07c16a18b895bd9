import Foundation
import SiftEngine

extension ParameterUpdate {
    /// One micro-batch of `BertForMaskedLM` training: a packed forward (recording; train-mode
    /// dropout when given), the masked-LM head on the labeled tokens only, cross-entropy over the
    /// vocabulary averaged over them (transformers' loss with `ignore_index` −100), then the
    /// backward through the head, whose tied decoder adds its share into the word embeddings'
    /// gradient, and the encoder. Gradients scaled by `scale` are ADDED. Returns the mean loss and
    /// the number of labeled tokens (0 and 0 when none is labeled: nothing to learn).
    @discardableResult
    public func accumulateMaskedLM(_ batch: PackedBatch, labels: [Int], scale: Double = 1,
                                   dropout: Dropout? = nil) throws -> (loss: Double, tokens: Int) {
        let N = batch.tokenCount, C = model.config.hiddenSize
        guard labels.count == N else { throw TrainError.badInput("\(labels.count) token labels for a batch of \(N) tokens") }
        let head = try MaskedLMHead(model: model)
        let V = head.vocabSize
        for y in labels where y != Self.ignoredLabel && !(0..<V).contains(y) {
            throw TrainError.badInput("masked token id \(y) is outside the model's vocabulary of \(V)")
        }
        let rows = labels.indices.filter { labels[$0] != Self.ignoredLabel }
        guard !rows.isEmpty else { return (0, 0) }
        try model.forward(batch, acts: acts, outputs: [], dropout: dropout)
        let pass = head.forward(model: model, hidden: acts.lastHidden, rows: rows)
        var dlogits = [Float](repeating: 0, count: rows.count * V)
        let value = pass.logits.withUnsafeBufferPointer { l in
            dlogits.withUnsafeMutableBufferPointer { d in
                CrossEntropyLoss().compute(logits: l.baseAddress!, targets: .classes(rows.map { labels[$0] }), B: rows.count, K: V,
                                           dlogits: d.baseAddress!, scale: scale)
            }
        }
        guard value.isFinite else { throw TrainError.badInput("the loss became \(value) (learning rate too high?)") }
        var dh = [Float](repeating: 0, count: N * C)
        dlogits.withUnsafeBufferPointer { d in
            dh.withUnsafeMutableBufferPointer {
                head.backward(model: model, pass: pass, dlogits: d.baseAddress!, grads: trainable.trains(.classifier) ? grads : nil,
                              tiedDecoder: trainable.embeddings, dhidden: $0.baseAddress!)
            }
        }
        try model.backward(batch, acts: acts, dlastHidden: dh, grads: grads, trainable: trainable)
        lastTokenLogits = pass.logits
        return (value, rows.count)
    }
}

/// The held-out masked-token loss of a model (eval mode: no dropout), summed and counted so
/// batches of any size average correctly.
public struct MaskedLMEvaluation: Sendable {
    public var lossSum = 0.0
    public var tokens = 0
    public var loss: Double { tokens == 0 ? .nan : lossSum / Double(tokens) }
    /// exp(loss), the usual way MLM quality is quoted.
    public var perplexity: Double { Foundation.exp(loss) }

    public init() {}

    /// Adds one batch of masked sequences.
    public mutating func add(model: BertModel, head: MaskedLMHead, acts: Activations, batch: PackedBatch, labels: [Int]) throws {
        let rows = labels.indices.filter { labels[$0] != ParameterUpdate.ignoredLabel }
        guard !rows.isEmpty else { return }
        try model.forward(batch, acts: acts)
        let pass = head.forward(model: model, hidden: acts.lastHidden, rows: rows)
        let V = head.vocabSize
        let mean = pass.logits.withUnsafeBufferPointer { l in
            CrossEntropyLoss().compute(logits: l.baseAddress!, targets: .classes(rows.map { labels[$0] }), B: rows.count, K: V,
                                       dlogits: nil, scale: 1)
        }
        lossSum += mean * Double(rows.count)
        tokens += rows.count
    }
}
