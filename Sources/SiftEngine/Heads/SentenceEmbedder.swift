import Foundation

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
        let C = dimension
        return (0..<batch.batchSize).map { Array(UnsafeBufferPointer(start: a.sentence + $0 * C, count: C)) }
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
}

/// What a sentence-transformers folder says about pooling and normalization.
public struct SentenceTransformersConfig: Sendable, Equatable {
    public var pooling: PoolingMode
    public var normalize: Bool

    /// nil when the folder has no `modules.json` (a plain Hugging Face folder).
    public static func read(directory: URL) throws -> SentenceTransformersConfig? {
        let modulesURL = directory.appendingPathComponent("modules.json")
        guard FileManager.default.fileExists(atPath: modulesURL.path) else { return nil }
        struct Module: Decodable { var path: String?; var type: String }
        let modules: [Module]
        do { modules = try JSONDecoder().decode([Module].self, from: Data(contentsOf: modulesURL)) } catch {
            throw EngineError.badConfig(file: modulesURL.path, reason: "expected a list of {type, path} modules")
        }
        var result = SentenceTransformersConfig(pooling: .mean, normalize: false)
        for m in modules {
            if m.type.hasSuffix(".Normalize") { result.normalize = true }
            if m.type.hasSuffix(".Pooling") {
                let url = directory.appendingPathComponent(m.path ?? "1_Pooling").appendingPathComponent("config.json")
                struct Pool: Decodable {
                    var pooling_mode_cls_token: Bool?
                    var pooling_mode_mean_tokens: Bool?
                    var pooling_mode_max_tokens: Bool?
                    var pooling_mode_mean_sqrt_len_tokens: Bool?
                    var pooling_mode: String?
                }
                let p: Pool
                do { p = try JSONDecoder().decode(Pool.self, from: Data(contentsOf: url)) } catch {
                    throw EngineError.badConfig(file: url.path, reason: "cannot decode pooling config: \(error.localizedDescription)")
                }
                if p.pooling_mode_mean_sqrt_len_tokens == true {
                    throw EngineError.badConfig(file: url.path, reason: "pooling_mode_mean_sqrt_len_tokens is not supported (supported: cls, mean, max)")
                }
                if let mode = p.pooling_mode, let pm = PoolingMode(rawValue: mode) { result.pooling = pm }
                else if p.pooling_mode_cls_token == true { result.pooling = .cls }
                else if p.pooling_mode_max_tokens == true { result.pooling = .max }
                else if p.pooling_mode_mean_tokens == true { result.pooling = .mean }
            }
        }
        return result
    }
}
