import Foundation
import SiftEngine

/// Sentence embeddings: encoder, then pooling (cls / mean / max), then optional L2 normalization,
/// as a sentence-transformers folder describes them (`modules.json`, `1_Pooling/config.json`).
public final class SentenceEmbedder: @unchecked Sendable {
    public let model: BertModel
    public var pooling: PoolingMode
    public var normalize: Bool

    public init(model: BertModel, pooling: PoolingMode = .mean, normalize: Bool = true) {
        self.model = model; self.pooling = pooling; self.normalize = normalize
    }

    /// Loads the encoder and reads pooling and normalization from the folder when it is a
    /// sentence-transformers one; plain HF folders get mean pooling + L2 normalization unless
    /// overridden.
    public convenience init(directory: URL, pooling: PoolingMode? = nil, normalize: Bool? = nil) throws {
        let model = try BertModel.load(directory: directory, withClassifier: false)
        let st = try SentenceTransformersConfig.read(directory: directory)
        self.init(model: model, pooling: pooling ?? st?.pooling ?? .mean, normalize: normalize ?? st?.normalize ?? true)
    }

    public var dimension: Int { model.config.hiddenSize }

    /// Embeds a batch of token-id sequences (from the tokenizer; [CLS] … [SEP] included).
    /// Returns [B][C].
    public func embed(_ sequences: [[Int32]], acts: Activations? = nil) throws -> [[Float]] {
        let batch = try PackedBatch(sequences: sequences)
        let a = acts ?? model.makeActivations()
        try embed(batch, acts: a)
        return rows(batch.batchSize, acts: a)
    }

    /// Embeds a packed batch into `acts.sentence` [B,C] (no per-call allocation besides reuse).
    public func embed(_ batch: PackedBatch, acts: Activations) throws {
        try model.forward(batch, acts: acts)
        let C = dimension
        batch.offsets.withUnsafeBufferPointer { off in
            (batch.keyMask ?? []).withUnsafeBufferPointer { m in
                Ops.poolForward(pooling, out: acts.sentence, hidden: acts.lastHidden, offsets: off.baseAddress!,
                                keyMask: batch.keyMask == nil ? nil : m.baseAddress, b: batch.batchSize, c: C)
            }
        }
        if normalize { Ops.l2NormalizeForward(acts.sentence, rows: batch.batchSize, c: C) }
    }

    /// The first `count` rows of `acts.sentence` as arrays.
    func rows(_ count: Int, acts: Activations) -> [[Float]] {
        let C = dimension
        return (0..<count).map { Array(UnsafeBufferPointer(start: acts.sentence + $0 * C, count: C)) }
    }
}
