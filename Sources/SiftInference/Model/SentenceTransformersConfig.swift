import Foundation
import SiftCore
import SiftEngine

/// What a sentence-transformers folder says about pooling and normalization
/// (`modules.json`, `1_Pooling/config.json`).
public struct SentenceTransformersConfig: Sendable, Equatable {
    public var pooling: PoolingMode
    public var normalize: Bool

    public init(pooling: PoolingMode, normalize: Bool) {
        self.pooling = pooling; self.normalize = normalize
    }

    /// nil when the folder has no `modules.json` (a plain Hugging Face folder).
    public static func read(directory: URL) throws -> SentenceTransformersConfig? {
        let modulesURL = directory.appendingPathComponent("modules.json")
        guard FileManager.default.fileExists(atPath: modulesURL.path) else { return nil }
        struct Module: Decodable { var path: String?; var type: String }
        let modules: [Module]
        do { modules = try JSONDecoder().decode([Module].self, from: Data(contentsOf: modulesURL)) } catch {
            throw InferenceError.badConfig(file: modulesURL.path, reason: "expected a list of {type, path} modules")
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
                    throw InferenceError.badConfig(file: url.path, reason: "cannot decode pooling config: \(error.localizedDescription)")
                }
                if p.pooling_mode_mean_sqrt_len_tokens == true {
                    throw InferenceError.badConfig(file: url.path, reason: "pooling_mode_mean_sqrt_len_tokens is not supported (supported: cls, mean, max)")
                }
                if let mode = p.pooling_mode, let pm = PoolingMode(rawValue: mode) { result.pooling = pm }
                else if p.pooling_mode_cls_token == true { result.pooling = .cls }
                else if p.pooling_mode_max_tokens == true { result.pooling = .max }
                else if p.pooling_mode_mean_tokens == true { result.pooling = .mean }
            }
        }
        return result
    }

    /// Writes the sentence-transformers description of this embedder (each file atomically):
    /// `modules.json` (Transformer, Pooling, and Normalize when set), `1_Pooling/config.json`,
    /// `sentence_bert_config.json`; `SentenceTransformer(folder)` then embeds as Sift does.
    public func write(directory: URL, dimension: Int, maxSeqLength: Int) throws {
        var modules: [[String: Any]] = [
            ["idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"],
            ["idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"],
        ]
        if normalize { modules.append(["idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"]) }
        let pool: [String: Any] = [
            "word_embedding_dimension": dimension,
            "pooling_mode_cls_token": pooling == .cls, "pooling_mode_mean_tokens": pooling == .mean,
            "pooling_mode_max_tokens": pooling == .max, "pooling_mode_mean_sqrt_len_tokens": false,
        ]
        func json(_ o: Any) throws -> Data { try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys]) }
        let fm = FileManager.default
        try fm.createDirectory(at: directory.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        if normalize { try fm.createDirectory(at: directory.appendingPathComponent("2_Normalize"), withIntermediateDirectories: true) }
        try AtomicWriter.write(json(pool), to: directory.appendingPathComponent("1_Pooling/config.json"))
        try AtomicWriter.write(json(["max_seq_length": maxSeqLength, "do_lower_case": false]),
                               to: directory.appendingPathComponent("sentence_bert_config.json"))
        try AtomicWriter.write(json(modules), to: directory.appendingPathComponent("modules.json"))
    }

    /// `max_seq_length` from `sentence_bert_config.json`, when the folder has one.
    static func maxSeqLength(directory: URL) -> Int? {
        let url = directory.appendingPathComponent("sentence_bert_config.json")
        guard let data = try? Data(contentsOf: url),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let m = obj["max_seq_length"] as? Int, m > 0 else { return nil }
        return m
    }
}
