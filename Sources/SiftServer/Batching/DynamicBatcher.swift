import Foundation
import SiftInference

/// A loaded model and its queue: what a request talks to. A request's texts are encoded once, on
/// the request's own task (`encode`), checked against the model's limits there, and only the
/// encodings are queued; the queue (SiftInference's `BatchQueue`) gathers concurrent requests
/// into batches and runs one forward pass at a time.
public final class DynamicBatcher: Sendable {
    public typealias Options = BatchQueue.Options

    /// Texts tokenized once, and how long that took.
    public struct Encoded: Sendable {
        public var encodings: [EncodedText]
        public var tokenize: Duration
    }

    /// Per-text outputs and where the request's time went.
    public struct Answer<Output: Sendable>: Sendable {
        public var output: Output
        public var timings: PhaseTimings
    }

    public let model: any ServableModel
    public let queue: BatchQueue

    public init(model: any ServableModel, options: Options = Options(), observer: (any BatchObserver)? = nil,
                trace: (@Sendable (BatchQueue.Event) -> Void)? = nil) {
        self.model = model
        queue = BatchQueue(name: model.info.name, backend: model, options: options, observer: observer, trace: trace)
    }

    public var options: Options { queue.options }

    /// Tokenizes on the calling task, so tokenization runs in parallel across requests and never
    /// waits behind the queue.
    public func encode(_ texts: [String]) -> Encoded {
        let start = ContinuousClock.now
        let encodings = model.encode(texts)
        return Encoded(encodings: encodings, tokenize: ContinuousClock.now - start)
    }

    /// Tokenizes (text, hypothesis) pairs on the calling task, as `encode` does texts.
    public func encode(pairs: [(String, String)]) -> Encoded {
        let start = ContinuousClock.now
        let encodings = model.encode(pairs: pairs)
        return Encoded(encodings: encodings, tokenize: ContinuousClock.now - start)
    }

    /// Encodings the caller builds on its task (a long text's windows, an entity recognizer's
    /// windows), timed as tokenizing.
    public func encode(building: () throws -> [EncodedText]) rethrows -> Encoded {
        let start = ContinuousClock.now
        let encodings = try building()
        return Encoded(encodings: encodings, tokenize: ContinuousClock.now - start)
    }

    public func classify(_ encoded: Encoded) async throws -> Answer<[Classification]> {
        let r = try await queue.submit(.classify, encoded.encodings)
        guard case .classes(let out) = r.output else { throw ModelError("batcher: wrong output kind") }
        return Answer(output: out, timings: timings(r, encoded))
    }

    public func embed(_ encoded: Encoded) async throws -> Answer<[[Float]]> {
        let r = try await queue.submit(.embed, encoded.encodings)
        guard case .embeddings(let out) = r.output else { throw ModelError("batcher: wrong output kind") }
        return Answer(output: out, timings: timings(r, encoded))
    }

    /// Per-token scores, one `TokenScores` per encoding (token classification).
    public func classifyTokens(_ encoded: Encoded) async throws -> Answer<[TokenScores]> {
        let r = try await queue.submit(.classifyTokens, encoded.encodings)
        guard case .tokenScores(let out) = r.output else { throw ModelError("batcher: wrong output kind") }
        return Answer(output: out, timings: timings(r, encoded))
    }

    /// Encodes and classifies (tests and callers that need no timings).
    public func classify(_ texts: [String]) async throws -> [Classification] {
        try await classify(encode(texts)).output
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await embed(encode(texts)).output
    }

    /// Finishes what is queued, then stops (a reload replaced this model).
    public func drainAndStop() async { await queue.drainAndStop() }

    private func timings(_ r: BatchResult, _ encoded: Encoded) -> PhaseTimings {
        var t = r.timings
        t.tokenize = encoded.tokenize
        return t
    }
}

extension BatchQueue.Options {
    public init(_ c: ServerConfig.Batching) {
        self.init(enabled: c.enabled, maxBatchTokens: c.maxBatchTokens, maxBatchTexts: c.maxBatchTexts,
                  maxWait: .milliseconds(c.maxWaitMs), maxQueueTexts: c.maxQueueTexts)
    }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
