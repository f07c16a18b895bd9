import SiftEngine

/// Which per-sequence rows a forward pass over encodings returns.
public enum ForwardRows: Sendable, Equatable {
    /// [B, numLabels] classifier logits.
    case logits
    /// [B, hidden] pooler outputs, tanh(dense([CLS])): the features a head trains on.
    case pooled

    var outputs: BertModel.Outputs { self == .logits ? .logits : .pooler }

    func width(_ model: BertModel) -> Int { self == .logits ? (model.layout.numLabels ?? 0) : model.config.hiddenSize }

    func rows(_ acts: Activations) -> UnsafeMutablePointer<Float> { self == .logits ? acts.logits : acts.pooled }
}

extension OfflineRunner {
    /// The lower-level entry for sequences encoded already (the trainer's evaluation): sorted by
    /// length into batches of `batchSize` (less padding work per forward: similar lengths
    /// together), each split to at most `maxTokensPerForward` tokens, run through `model`.
    /// Returns [n, width] rows in input order.
    public static func forward(
        _ encodings: [EncodedText], model: BertModel, rows: ForwardRows, batchSize: Int,
        maxTokensPerForward: Int = defaultMaxTokensPerForward, acts: Activations? = nil
    ) throws -> [Float] {
        let W = rows.width(model)
        var out = [Float](repeating: 0, count: encodings.count * W)
        let acts = acts ?? model.makeActivations()
        let order = encodings.indices.sorted { encodings[$0].count < encodings[$1].count }
        let step = max(1, batchSize)
        var i = 0
        while i < order.count {
            let idx = Array(order[i..<min(order.count, i + step)])
            var first = 0
            for batch in try PackedBatch(encodings: idx.map { encodings[$0] }).split(maxTokens: maxTokensPerForward) {
                try model.forward(batch, acts: acts, outputs: rows.outputs)
                let src = rows.rows(acts)
                out.withUnsafeMutableBufferPointer { o in
                    for b in 0..<batch.batchSize {
                        (o.baseAddress! + idx[first + b] * W).update(from: src + b * W, count: W)
                    }
                }
                first += batch.batchSize
            }
            i += step
        }
        return out
    }
}
