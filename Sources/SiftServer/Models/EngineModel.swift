import Crypto
import Dispatch
import Foundation
import SiftEngine
import SiftTokenizers

/// `ServableModel` over SiftEngine: a Hugging Face folder with a classification head is served
/// for classify and embed (mean pooling over the same encoder); one without a head (e.g. a
/// sentence-transformers folder) for embed only.
///
/// Forward passes run on this model's own serial queue, not on Swift's cooperative pool: the
/// engine keeps both cores busy with its own threads, and a blocked cooperative thread would
/// stall request handling. The serial queue also makes the reused activation buffers safe.
public final class EngineModel: ServableModel, @unchecked Sendable {
    public let info: ModelInfo
    let input: TextInput
    let classifier: SequenceClassifier?
    let embedder: SentenceEmbedder
    let queue: DispatchQueue
    // Touched only on `queue`.
    private var acts: Activations

    public init(name: String, directory: URL, version: String? = nil, maxLength: Int? = nil) throws {
        let model = try BertModel.load(directory: directory, withClassifier: nil)
        let input = try TextInput(directory: directory, config: model.config, maxLength: maxLength)
        self.input = input
        if model.layout.numLabels != nil, model.layout.hasPooler {
            classifier = try SequenceClassifier(model: model)
        } else {
            classifier = nil
        }
        let st = try SentenceTransformersConfig.read(directory: directory)
        embedder = SentenceEmbedder(model: model, pooling: st?.pooling ?? .mean, normalize: st?.normalize ?? true)
        let task: ModelTask
        switch classifier?.problemType {
        case .singleLabel?: task = .singleLabel
        case .multiLabel?: task = .multiLabel
        case .regression?: task = .regression
        case nil: task = .embedding
        }
        info = ModelInfo(name: name, version: version ?? Self.fingerprint(directory), labels: classifier?.labels ?? [],
                         task: task, maxLength: input.maxLength)
        acts = model.makeActivations()
        queue = DispatchQueue(label: "sift.model.\(name)")
    }

    public func tokenCount(_ text: String) -> Int {
        input.tokenizer.encode(text, pair: nil, options: EncodeOptions(addSpecialTokens: true)).count
    }

    public func classify(_ texts: [String]) async throws -> [Classification] {
        guard let classifier else {
            throw ModelError("model '\(info.name)' has no classification head; use /embed")
        }
        return try await onQueue { acts in
            try classifier.predict(texts: texts, input: self.input, acts: acts).map {
                Classification(scores: $0.scores, logits: $0.logits)
            }
        }
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await onQueue { acts in try self.embedder.embed(texts: texts, input: self.input, acts: acts) }
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable (Activations) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            queue.async {
                cont.resume(with: Result { try work(self.acts) })
            }
        }
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
    public init() {}
    public func load(_ spec: ModelSpec) async throws -> any ServableModel {
        let dir = URL(fileURLWithPath: spec.path)
        return try EngineModel(name: dir.lastPathComponent, directory: dir, version: spec.version)
    }
}
