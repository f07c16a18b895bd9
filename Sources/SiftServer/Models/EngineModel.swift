import Crypto
import Foundation
import SiftEngine
import SiftInference

/// `ServableModel` over a model folder: one with a classification head is served for classify
/// (explanations included) and embed (pooling over the same encoder); one without (e.g. a
/// sentence-transformers folder) for embed only; a token classifier for entities only. Forward
/// passes and explanations run on the backend's own serial queue (see `EngineBackend`).
public final class EngineModel: ServableModel {
    public let info: ModelInfo
    public let backend: EngineBackend
    public let entityRecognizer: EntityRecognizer?
    /// What runs the dense layers (oneDNN fp32 / bf16 / int8, or the OpenBLAS fallback).
    public let precision: PrecisionSelection

    public init(name: String, directory: URL, version: String? = nil, maxLength: Int? = nil,
                precision: PrecisionChoice = .fp32, strictPrecision: Bool = false) throws {
        let bundle = try ModelBundle(directory: directory, maxLength: maxLength)
        self.precision = try bundle.usePrecision(precision, strict: strictPrecision)
        for w in self.precision.warnings { FileHandle.standardError.write(Data("\(name): \(w)\n".utf8)) }
        backend = EngineBackend(bundle: bundle, label: name)
        entityRecognizer = bundle.tokenClassifier == nil ? nil : try bundle.requireEntityRecognizer()
        // A token classifier lists its token labels (B-PER, ...).
        info = ModelInfo(name: name, version: version ?? Self.fingerprint(directory),
                         labels: bundle.tokenClassifier?.labels ?? bundle.labels, task: bundle.task, maxLength: bundle.maxLength)
    }

    public func encode(_ texts: [String]) -> [EncodedText] { backend.encode(texts) }
    public func encode(pairs: [(String, String)]) -> [EncodedText] { backend.encode(pairs: pairs) }
    public func encode(_ texts: [String], longText: LongTextOptions) throws -> [[EncodedText]] {
        try backend.encode(texts, longText: longText)
    }
    public func classify(_ batch: PackedBatch) async throws -> [Classification] { try await backend.classify(batch) }
    public func embed(_ batch: PackedBatch) async throws -> [[Float]] { try await backend.embed(batch) }
    public func classifyTokens(_ batch: PackedBatch) async throws -> [TokenScores] { try await backend.classifyTokens(batch) }
    public var attributionMethods: [AttributionMethod] { backend.attributionMethods }
    public func explain(_ text: String, options: ExplainOptions) async throws -> Explanation {
        try await backend.explain(text, options: options)
    }

    /// A short, stable version when none is configured: SHA-256 over config.json and the
    /// weights' size and modification time (hashing hundreds of MB at start-up is not worth it).
    static func fingerprint(_ directory: URL) -> String {
        var h = SHA256()
        if let config = try? Data(contentsOf: directory.appendingPathComponent("config.json")) { h.update(data: config) }
        let weights = directory.appendingPathComponent("model.safetensors").path
        if let attrs = try? FileManager.default.attributesOfItem(atPath: weights) {
            h.update(data: Data("\(attrs[.size] ?? 0)|\((attrs[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)".utf8))
        }
        return "sha256:" + h.finalize().prefix(6).map { String(format: "%02x", $0) }.joined()
    }
}

/// Loads models from their folders with SiftEngine.
public struct EngineModelLoader: ModelLoader {
    public let precision: PrecisionChoice
    public let strict: Bool
    public init(precision: PrecisionChoice = .fp32, strict: Bool = false) {
        self.precision = precision
        self.strict = strict
    }
    public func load(_ spec: ModelSpec) async throws -> any ServableModel {
        let dir = URL(fileURLWithPath: spec.path)
        return try EngineModel(name: dir.lastPathComponent, directory: dir, version: spec.version,
                               precision: precision, strictPrecision: strict)
    }
}
