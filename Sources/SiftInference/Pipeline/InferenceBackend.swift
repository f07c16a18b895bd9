import Dispatch
import Foundation
import SiftEngine

/// What one batch computes. Batches never mix kinds.
public enum BatchKind: String, Sendable, Hashable {
    case classify, embed
}

/// What the queue drives: texts are encoded once (on the caller's task, not the queue's), then
/// packed batches go through one forward pass at a time. The engine implements it over a model
/// folder (`EngineBackend`); tests inject deterministic fakes, so the queue and every route are
/// testable without weights.
public protocol InferenceBackend: Sendable {
    /// Tokenizes texts, in order, truncated to the model's length (with the untruncated length kept).
    func encode(_ texts: [String]) -> [EncodedText]
    /// Tokenizes (text, second segment) pairs, cutting only the text (NLI zero-shot).
    func encode(pairs: [(String, String)]) -> [EncodedText]
    /// Scores one packed batch: one result per sequence, in order. The queue never overlaps calls.
    func classify(_ batch: PackedBatch) async throws -> [Classification]
    /// Sentence embeddings of one packed batch, one per sequence, in order.
    func embed(_ batch: PackedBatch) async throws -> [[Float]]
}

/// `InferenceBackend` over a loaded folder.
///
/// Forward passes run on this backend's own serial queue, not on Swift's cooperative pool: the
/// engine keeps every core busy with its own threads, and a blocked cooperative thread would
/// stall request handling. The serial queue also makes the reused activation buffers safe.
public final class EngineBackend: InferenceBackend, @unchecked Sendable {
    public let bundle: ModelBundle
    let queue: DispatchQueue
    // Touched only on `queue`.
    private let acts: Activations

    public init(bundle: ModelBundle, label: String) {
        self.bundle = bundle
        acts = bundle.model.makeActivations()
        queue = DispatchQueue(label: "sift.model.\(label)")
    }

    public func encode(_ texts: [String]) -> [EncodedText] { bundle.encoder.encode(texts) }
    public func encode(pairs: [(String, String)]) -> [EncodedText] { bundle.encoder.encode(pairs: pairs) }

    public func classify(_ batch: PackedBatch) async throws -> [Classification] {
        guard let classifier = bundle.classifier else {
            throw InferenceError.badInput("\(bundle.directory.path) has no classification head; use embed")
        }
        return try await onQueue { acts in try classifier.predict(batch, acts: acts) }
    }

    public func embed(_ batch: PackedBatch) async throws -> [[Float]] {
        let embedder = bundle.embedder
        return try await onQueue { acts in
            try embedder.embed(batch, acts: acts)
            return embedder.rows(batch.batchSize, acts: acts)
        }
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable (Activations) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { try work(self.acts) }) }
        }
    }
}
