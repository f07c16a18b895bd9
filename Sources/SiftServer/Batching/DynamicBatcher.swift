import Foundation

/// Hooks the batcher reports through, so metrics stay out of the batching logic.
public protocol BatchObserver: Sendable {
    func queueDepthChanged(model: String, texts: Int)
    func batchRan(model: String, texts: Int, tokens: Int, seconds: Double)
}

/// Gathers concurrent requests for one model into batches.
///
/// Requests wait in a FIFO queue. A single worker takes the oldest request, then keeps adding
/// queued requests of the same kind (classify or embed) while the batch stays under the token
/// budget and text cap; if the batch is not full it waits up to `maxWait` for more to arrive.
/// One worker per model keeps the CPU running one forward pass at a time (the engine itself
/// uses every core), so batching — not concurrency — is what raises throughput.
/// The queue is bounded in texts: beyond it, `submit` throws `BatcherError.queueFull` at once.
public actor DynamicBatcher {
    public struct Options: Sendable, Equatable {
        /// When false every request runs alone (batch = one request): the benchmark baseline.
        public var enabled: Bool
        public var maxBatchTokens: Int
        public var maxBatchTexts: Int
        public var maxWait: Duration
        public var maxQueueTexts: Int

        public init(enabled: Bool = true, maxBatchTokens: Int = 8192, maxBatchTexts: Int = 64,
                    maxWait: Duration = .milliseconds(2), maxQueueTexts: Int = 1024) {
            self.enabled = enabled
            self.maxBatchTokens = maxBatchTokens
            self.maxBatchTexts = maxBatchTexts
            self.maxWait = maxWait
            self.maxQueueTexts = maxQueueTexts
        }

        public init(_ c: ServerConfig.Batching) {
            self.init(enabled: c.enabled, maxBatchTokens: c.maxBatchTokens, maxBatchTexts: c.maxBatchTexts,
                      maxWait: .milliseconds(c.maxWaitMs), maxQueueTexts: c.maxQueueTexts)
        }
    }

    public enum Kind: Sendable { case classify, embed }

    enum Output: Sendable {
        case classes([Classification])
        case embeddings([[Float]])
    }

    struct Pending {
        let id: UInt64
        let kind: Kind
        let texts: [String]
        let tokens: Int
        let enqueued: ContinuousClock.Instant
        let continuation: CheckedContinuation<Output, any Error>
    }

    public nonisolated let model: any ServableModel
    public nonisolated let options: Options
    let observer: (any BatchObserver)?
    private var queue: [Pending] = []
    private var queuedTexts = 0
    private var nextID: UInt64 = 0
    private var wakeWorker: CheckedContinuation<Void, Never>?
    private var worker: Task<Void, Never>?
    private var stopping = false
    /// Batch sizes (in texts) run so far, for tests and the benchmark.
    public private(set) var batchSizes: [Int] = []

    public init(model: any ServableModel, options: Options = Options(), observer: (any BatchObserver)? = nil) {
        self.model = model
        self.options = options
        self.observer = observer
    }

    public nonisolated func classify(_ texts: [String]) async throws -> [Classification] {
        guard case .classes(let out) = try await submit(.classify, texts, tokens: tokens(texts)) else { throw ModelError("batcher: wrong output kind") }
        return out
    }

    public nonisolated func embed(_ texts: [String]) async throws -> [[Float]] {
        guard case .embeddings(let out) = try await submit(.embed, texts, tokens: tokens(texts)) else { throw ModelError("batcher: wrong output kind") }
        return out
    }

    public var queueDepth: Int { queuedTexts }

    /// Finishes what is queued, then lets the worker end (used when a reload replaces this batcher).
    public func drainAndStop() {
        stopping = true
        wakeWorker?.resume()
        wakeWorker = nil
    }

    /// Tokens the texts will occupy after truncation. Counted by the caller's task, outside the
    /// actor, so tokenization never serializes behind the queue.
    nonisolated func tokens(_ texts: [String]) -> Int {
        let maxLen = model.info.maxLength
        return texts.reduce(0) { $0 + min(model.tokenCount($1), maxLen) }
    }

    func submit(_ kind: Kind, _ texts: [String], tokens: Int) async throws -> Output {
        if texts.isEmpty { return kind == .classify ? .classes([]) : .embeddings([]) }
        if stopping { throw BatcherError.stopped }
        if queuedTexts + texts.count > options.maxQueueTexts { throw BatcherError.queueFull }
        nextID &+= 1
        let id = nextID
        startWorkerIfNeeded()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Output, any Error>) in
                queue.append(Pending(id: id, kind: kind, texts: texts, tokens: tokens, enqueued: .now, continuation: cont))
                queuedTexts += texts.count
                observer?.queueDepthChanged(model: model.info.name, texts: queuedTexts)
                wakeWorker?.resume()
                wakeWorker = nil
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    /// A request given up on (timeout, client gone) leaves the queue if it has not started.
    private func cancel(_ id: UInt64) {
        guard let i = queue.firstIndex(where: { $0.id == id }) else { return }
        let p = queue.remove(at: i)
        queuedTexts -= p.texts.count
        observer?.queueDepthChanged(model: model.info.name, texts: queuedTexts)
        p.continuation.resume(throwing: CancellationError())
    }

    private func startWorkerIfNeeded() {
        guard worker == nil else { return }
        worker = Task { await self.runWorker() }
    }

    private func runWorker() async {
        while true {
            if queue.isEmpty {
                if stopping { break }
                await withCheckedContinuation { wakeWorker = $0 }
                continue
            }
            if options.enabled, options.maxWait > .zero, !batchIsFull() {
                // Give concurrent requests a moment to join, bounded by the oldest request's wait.
                let deadline = queue[0].enqueued + options.maxWait
                while ContinuousClock.now < deadline, !batchIsFull(), !stopping {
                    try? await Task.sleep(for: min(.microseconds(500), deadline - .now))
                }
            }
            let batch = takeBatch()
            if batch.isEmpty { continue }
            await run(batch)
        }
        worker = nil
    }

    /// Whether the queue already holds enough same-kind work to fill a batch.
    private func batchIsFull() -> Bool {
        guard let first = queue.first else { return false }
        var tokens = 0, texts = 0
        for p in queue where p.kind == first.kind {
            tokens += p.tokens
            texts += p.texts.count
            if tokens >= options.maxBatchTokens || texts >= options.maxBatchTexts { return true }
        }
        return false
    }

    /// Takes the oldest request plus, in order, later same-kind requests that fit the budget.
    private func takeBatch() -> [Pending] {
        guard let first = queue.first else { return [] }
        var taken = [first]
        var tokens = first.tokens, texts = first.texts.count
        var rest: [Pending] = []
        for p in queue.dropFirst() {
            if options.enabled, p.kind == first.kind,
               tokens + p.tokens <= options.maxBatchTokens, texts + p.texts.count <= options.maxBatchTexts {
                taken.append(p)
                tokens += p.tokens
                texts += p.texts.count
            } else {
                rest.append(p)
            }
        }
        queue = rest
        queuedTexts -= texts
        observer?.queueDepthChanged(model: model.info.name, texts: queuedTexts)
        return taken
    }

    private func run(_ batch: [Pending]) async {
        let texts = batch.flatMap(\.texts)
        let tokens = batch.reduce(0) { $0 + $1.tokens }
        batchSizes.append(texts.count)
        let start = ContinuousClock.now
        do {
            let output: Output
            switch batch[0].kind {
            case .classify:
                let out = try await model.classify(texts)
                guard out.count == texts.count else { throw ModelError("model returned \(out.count) results for \(texts.count) texts") }
                output = .classes(out)
            case .embed:
                let out = try await model.embed(texts)
                guard out.count == texts.count else { throw ModelError("model returned \(out.count) embeddings for \(texts.count) texts") }
                output = .embeddings(out)
            }
            let elapsed = ContinuousClock.now - start
            observer?.batchRan(model: model.info.name, texts: texts.count, tokens: tokens, seconds: elapsed.seconds)
            // Hand each request its own slice, in order.
            var offset = 0
            for p in batch {
                let range = offset..<(offset + p.texts.count)
                offset += p.texts.count
                switch output {
                case .classes(let all): p.continuation.resume(returning: .classes(Array(all[range])))
                case .embeddings(let all): p.continuation.resume(returning: .embeddings(Array(all[range])))
                }
            }
        } catch {
            for p in batch { p.continuation.resume(throwing: error) }
        }
    }
}

public enum BatcherError: Error, Sendable, Equatable {
    /// The queue holds `maxQueueTexts` already: the client should retry later (503 + Retry-After).
    case queueFull
    /// The batcher was replaced by a reload and accepts no new work.
    case stopped
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
