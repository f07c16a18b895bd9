import Foundation
import SiftEngine

/// One sequence's per-token output: [T, L] logits and their softmax, row-major.
public struct TokenScores: Sendable, Equatable {
    public var logits: [Float]
    public var scores: [Float]
    public let labels: Int
    public var tokens: Int { labels == 0 ? 0 : logits.count / labels }

    /// The scores of token `t`.
    public func row(_ t: Int) -> ArraySlice<Float> { scores[(t * labels)..<((t + 1) * labels)] }
}

/// `BertForTokenClassification` at inference: the encoder, then the classifier on every token.
public final class TokenClassifier: @unchecked Sendable {
    public let model: BertModel
    public let head: TokenClassificationHead

    /// Needs a token-classification folder: `classifier.*` without a pooler (a folder with a pooler
    /// is a sequence classifier, refused by name).
    public init(model: BertModel, directory: URL? = nil) throws {
        let file = (directory?.appendingPathComponent("model.safetensors").path) ?? "model"
        guard model.layout.numLabels != nil else {
            throw InferenceError.missingHead(file: file, tensor: "classifier.weight")
        }
        guard !model.head.isSequence || model.config.isTokenClassification else {
            throw InferenceError.unsupportedTask("\(file) is a sequence classifier (pooler.dense.* and classifier.* per text), not a token classifier; use `sift predict`")
        }
        self.model = model
        head = try TokenClassificationHead(model: model)
    }

    public var labels: [String] { model.config.labelNames }

    /// Per-token logits and softmax scores for each sequence of the batch, in order.
    public func predict(_ batch: PackedBatch, acts: Activations) throws -> [TokenScores] {
        try model.forward(batch, acts: acts)
        let L = head.numLabels, N = batch.tokenCount
        var logits = [Float](repeating: 0, count: N * L)
        if N > 0 {
            logits.withUnsafeMutableBufferPointer { out in
                head.forward(model: model, input: acts.lastHidden, tokens: N, logits: out.baseAddress!)
            }
        }
        return (0..<batch.batchSize).map { b in
            let rows = Array(logits[(batch.offsets[b] * L)..<(batch.offsets[b + 1] * L)])
            return TokenScores(logits: rows, scores: Self.softmaxRows(rows, labels: L), labels: L)
        }
    }

    /// Softmax per row as numpy computes it in the pipeline: exp(x − max) / Σ, in Float.
    static func softmaxRows(_ x: [Float], labels L: Int) -> [Float] {
        var out = x
        guard L > 0 else { return out }
        for r in 0..<(x.count / L) {
            let row = x[(r * L)..<((r + 1) * L)]
            let m = row.max() ?? 0
            var sum: Float = 0
            for j in 0..<L { let e = Foundation.exp(x[r * L + j] - m); out[r * L + j] = e; sum += e }
            for j in 0..<L { out[r * L + j] /= sum }
        }
        return out
    }
}
