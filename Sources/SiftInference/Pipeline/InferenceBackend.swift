import Dispatch
import Foundation
import SiftEngine
import Synchronization

/// What one batch computes. Batches never mix kinds.
public enum BatchKind: String, Sendable, Hashable {
    case classify, embed
    /// Per-token scores (token classification: entities).
    case classifyTokens = "classify_tokens"
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
    /// Per-token scores of one packed batch (a token classifier), one per sequence, in order.
    func classifyTokens(_ batch: PackedBatch) async throws -> [TokenScores]
    /// Each text's model inputs under a long-text policy (`TextEncoder.encode(_:longText:)`):
    /// one for truncate and head-tail, up to `maxWindows` windows for window. Throws
    /// `InferenceError.badInput` for settings the tokenizer cannot honour.
    func encode(_ texts: [String], longText: LongTextOptions) throws -> [[EncodedText]]
}

extension InferenceBackend {
    /// Backends without a token-classification head (test fakes, sequence classifiers) refuse.
    public func classifyTokens(_ batch: PackedBatch) async throws -> [TokenScores] {
        throw InferenceError.unsupportedTask("this model does not label tokens (no token-classification head)")
    }

    /// Without a tokenizer of its own to cut windows with, a backend reads texts truncated only.
    public func encode(_ texts: [String], longText: LongTextOptions) throws -> [[EncodedText]] {
        guard longText.mode == .truncate else {
            throw InferenceError.unsupportedTask("this model cannot read long texts as \(longText.mode.rawValue)")
        }
        return encode(texts).map { [$0] }
    }
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
    /// Made on first use, on `queue` (it holds its own recording workspace); nil until then.
    private var explainer: TextExplainer?

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

    public func classifyTokens(_ batch: PackedBatch) async throws -> [TokenScores] {
        guard let classifier = bundle.tokenClassifier else {
            throw InferenceError.unsupportedTask("\(bundle.directory.path) is not a token classifier")
        }
        return try await onQueue { acts in try classifier.predict(batch, acts: acts) }
    }

    public func encode(_ texts: [String], longText: LongTextOptions) throws -> [[EncodedText]] {
        guard longText.mode != .truncate else { return encode(texts).map { [$0] } }
        try bundle.encoder.validate(longText)
        return texts.map { bundle.encoder.encode($0, longText: longText) }
    }

    /// The attribution methods this folder's head allows: Integrated Gradients needs a
    /// fine-tuned head (a backward); occlusion any classifier; none without a text classifier.
    public var attributionMethods: [AttributionMethod] {
        guard bundle.tokenClassifier == nil, let classifier = bundle.classifier else { return [] }
        return classifier is SequenceClassifier ? [.integratedGradients, .occlusion] : [.occlusion]
    }

    /// Explains one text (`TextExplainer`) on this backend's serial queue, between forward
    /// passes, with the one explainer (and recording workspace) this backend keeps. Given up
    /// before its turn (the caller's task cancelled), it is answered with `CancellationError` at
    /// once and never runs.
    public func explain(_ text: String, options: ExplainOptions) async throws -> Explanation {
        let once = ResumeOnce<Explanation>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Explanation, any Error>) in
                guard once.arm(cont) else { return }
                queue.async {
                    guard !once.isDone else { return }
                    once.resume(with: Result {
                        if self.explainer == nil { self.explainer = try TextExplainer(bundle: self.bundle) }
                        return try self.explainer!.explain(text, options: options)
                    })
                }
            }
        } onCancel: {
            once.resume(with: .failure(CancellationError()))
        }
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable (Activations) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { try work(self.acts) }) }
        }
    }
}

/// A continuation resumed exactly once, by whichever comes first: the work or a cancellation
/// (which may arrive before the continuation exists).
final class ResumeOnce<T: Sendable>: Sendable {
    private enum State {
        case waiting
        case armed(CheckedContinuation<T, any Error>)
        case done
        case cancelledEarly(any Error)
    }
    private let state = Mutex<State>(.waiting)

    /// Stores the continuation; false (and the continuation resumed) when it was already given up.
    func arm(_ cont: CheckedContinuation<T, any Error>) -> Bool {
        let early: (any Error)? = state.withLock { s in
            if case .cancelledEarly(let e) = s { s = .done; return e }
            s = .armed(cont)
            return nil
        }
        if let early { cont.resume(throwing: early); return false }
        return true
    }

    var isDone: Bool {
        state.withLock { s in
            switch s {
            case .done, .cancelledEarly: true
            default: false
            }
        }
    }

    func resume(with result: Result<T, any Error>) {
        let cont: CheckedContinuation<T, any Error>? = state.withLock { s in
            switch s {
            case .armed(let c): s = .done; return c
            case .waiting:
                if case .failure(let e) = result { s = .cancelledEarly(e) }
                return nil
            case .done, .cancelledEarly: return nil
            }
        }
        cont?.resume(with: result)
    }
}
