import DequeModule
import SiftEngine

/// Hooks the queue reports through, so metrics stay out of the batching logic.
public protocol BatchObserver: Sendable {
    func queueDepthChanged(model: String, texts: Int)
    func batchRan(model: String, texts: Int, tokens: Int, seconds: Double)
}

/// Why the queue refused a request.
public enum BatchQueueError: Error, Sendable, Equatable {
    /// The queue holds `maxQueueTexts` already: the client should retry later (503 + Retry-After).
    case queueFull
    /// The queue was drained for a reload and accepts no new work.
    case stopped
}

/// A batch's results, one per text.
public enum BatchOutput: Sendable, Equatable {
    case classes([Classification])
    case embeddings([[Float]])
    /// Per-token scores (token classification), one `TokenScores` per sequence.
    case tokenScores([TokenScores])

    /// No results, of the kind `kind` computes.
    static func empty(_ kind: BatchKind) -> BatchOutput {
        switch kind {
        case .classify: .classes([])
        case .embed: .embeddings([])
        case .classifyTokens: .tokenScores([])
        }
    }

    public var count: Int {
        switch self {
        case .classes(let c): c.count
        case .embeddings(let e): e.count
        case .tokenScores(let t): t.count
        }
    }

    func slice(_ r: Range<Int>) -> BatchOutput {
        switch self {
        case .classes(let c): .classes(Array(c[r]))
        case .embeddings(let e): .embeddings(Array(e[r]))
        case .tokenScores(let t): .tokenScores(Array(t[r]))
        }
    }
}

/// One request's answer and how long it waited and ran.
public struct BatchResult: Sendable {
    public var output: BatchOutput
    /// Queue time (joining the queue to its forward starting) and inference time (its batch's forward).
    public var timings: PhaseTimings
}

/// Gathers concurrent requests for one model into batches (text-embeddings-inference's queue).
///
/// Requests arrive already encoded and wait in a FIFO `Deque`. One worker task builds the next
/// batch from them, packing each request's tokens in as it joins, while the backend runs the
/// current one: requests of the same kind join in order while the batch stays under the token
/// budget and text cap. When the backend is free the batch starts at once if it is full, else
/// at the oldest member's `maxWait` deadline. The worker never polls: it sleeps on a
/// continuation that a new request, the end of a forward pass, or a one-shot timer for that
/// deadline resumes. One forward at a time per model keeps the CPU for the engine (which uses
/// every core itself), so batching, not concurrency, is what raises throughput.
///
/// The queue is bounded in waiting texts: beyond `maxQueueTexts`, `submit` throws `.queueFull`
/// at once. A request whose task is cancelled (client gone, timeout) is answered with
/// `CancellationError` right away and dropped when its batch is built.
public actor BatchQueue {
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
    }

    /// What the worker did, in order: tests read it to see batches packed while a forward runs.
    public enum Event: Sendable, Equatable {
        /// A request of `texts` texts was packed into batch `batch`.
        case packed(batch: Int, texts: Int)
        /// Batch `batch` went to the backend with `texts` texts.
        case started(batch: Int, texts: Int)
        /// Batch `batch` came back.
        case finished(batch: Int)
    }

    struct Entry {
        let id: UInt64
        let kind: BatchKind
        let encodings: [EncodedText]
        let tokens: Int
        let enqueued: ContinuousClock.Instant
    }

    struct Waiter {
        let continuation: CheckedContinuation<BatchResult, any Error>
        let texts: Int
        /// Its batch went to the backend (its texts no longer count as waiting).
        var started = false
    }

    public nonisolated let name: String
    public nonisolated let backend: any InferenceBackend
    public nonisolated let options: Options
    let observer: (any BatchObserver)?
    let trace: (@Sendable (Event) -> Void)?

    private var queue = Deque<Entry>()
    /// Requests not yet answered, by id; a cancelled one leaves at once, its entry stays until skipped.
    private var waiting: [UInt64: Waiter] = [:]
    /// Texts of requests waiting (queued or packed, not started, not cancelled).
    private var waitingTexts = 0
    private var nextID: UInt64 = 0
    private var nextBatchNumber = 1
    /// The batch being built; it starts when the backend is free and it is full or due.
    private var building: PendingBatch?
    private var forwardRunning = false
    private var wake: CheckedContinuation<Void, Never>?
    private var timer: Task<Void, Never>?
    private var worker: Task<Void, Never>?
    private var stopping = false
    /// How often the worker has woken up (tests check it waits without polling).
    public private(set) var wakeups = 0

    /// - Parameters:
    ///   - name: the model's name, for the observer.
    ///   - trace: called with every `Event` (tests); nil in production.
    public init(name: String, backend: any InferenceBackend, options: Options = Options(),
                observer: (any BatchObserver)? = nil, trace: (@Sendable (Event) -> Void)? = nil) {
        self.name = name
        self.backend = backend
        self.options = options
        self.observer = observer
        self.trace = trace
    }

    /// Texts waiting for a forward pass.
    public var queueDepth: Int { waitingTexts }

    /// Finishes what is queued, then lets the worker end (used when a reload replaces this queue).
    public func drainAndStop() {
        stopping = true
        wakeWorker()
    }

    /// Queues one request's encodings and returns its results, in order.
    public func submit(_ kind: BatchKind, _ encodings: [EncodedText]) async throws -> BatchResult {
        if encodings.isEmpty {
            return BatchResult(output: .empty(kind), timings: PhaseTimings())
        }
        if stopping { throw BatchQueueError.stopped }
        if waitingTexts + encodings.count > options.maxQueueTexts { throw BatchQueueError.queueFull }
        nextID &+= 1
        let id = nextID
        let tokens = encodings.reduce(0) { $0 + $1.count }
        startWorkerIfNeeded()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<BatchResult, any Error>) in
                queue.append(Entry(id: id, kind: kind, encodings: encodings, tokens: tokens, enqueued: .now))
                waiting[id] = Waiter(continuation: cont, texts: encodings.count)
                waitingTexts += encodings.count
                observer?.queueDepthChanged(model: name, texts: waitingTexts)
                wakeWorker()
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    /// A request given up on (timeout, client gone) is answered now; its entry is skipped when
    /// the batch is built, or its result discarded if its forward already runs.
    private func cancel(_ id: UInt64) {
        guard let w = waiting.removeValue(forKey: id) else { return }
        if !w.started {
            waitingTexts -= w.texts
            observer?.queueDepthChanged(model: name, texts: waitingTexts)
        }
        w.continuation.resume(throwing: CancellationError())
        wakeWorker()
    }

    // MARK: The worker

    private func startWorkerIfNeeded() {
        guard worker == nil else { return }
        worker = Task { await self.runWorker() }
    }

    private func runWorker() async {
        while true {
            buildNext()
            if !forwardRunning, let batch = building {
                if batch.isFull || stopping || !options.enabled || options.maxWait <= .zero || ContinuousClock.now >= batch.deadline {
                    start()
                    continue
                }
                await park(until: batch.deadline)
                continue
            }
            if stopping, !forwardRunning, building == nil, queue.isEmpty { break }
            await park(until: nil)
        }
        worker = nil
    }

    /// Waits for a new request, the end of a forward pass, or `deadline`: a single timed wake,
    /// never a polling loop.
    private func park(until deadline: ContinuousClock.Instant?) async {
        if let deadline {
            timer = Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                if !Task.isCancelled { self.wakeWorker() }
            }
        }
        await withCheckedContinuation { wake = $0 }
        timer?.cancel()
        timer = nil
        wakeups += 1
    }

    private func wakeWorker() {
        guard let w = wake else { return }
        wake = nil
        w.resume()
    }

    /// Moves queued requests into the batch being built, packing them as they join: the oldest
    /// request first, then, in order, later same-kind requests that fit the budget. Requests
    /// whose client went away are dropped here.
    private func buildNext() {
        guard !queue.isEmpty, building?.isFull != true else { return }
        var kept = Deque<Entry>()
        while let e = queue.popFirst() {
            guard waiting[e.id] != nil else { continue }
            if building == nil {
                building = PendingBatch(number: nextBatchNumber, kind: e.kind, deadline: e.enqueued + options.maxWait)
                nextBatchNumber += 1
                add(e)
                // Batching off: one request per forward pass.
                if !options.enabled { building?.isFull = true }
                continue
            }
            guard let b = building, !b.isFull, e.kind == b.kind else { kept.append(e); continue }
            if b.tokens + e.tokens <= options.maxBatchTokens, b.texts + e.encodings.count <= options.maxBatchTexts {
                add(e)
            } else {
                // The budget is reached: this batch starts as soon as the backend is free.
                building?.isFull = true
                kept.append(e)
            }
        }
        queue = kept
    }

    private func add(_ e: Entry) {
        building?.append(e)
        if let b = building, b.tokens >= options.maxBatchTokens || b.texts >= options.maxBatchTexts { building?.isFull = true }
        trace?(.packed(batch: building?.number ?? 0, texts: e.encodings.count))
    }

    /// Hands the built batch to the backend (a task of its own, so the next batch is built meanwhile).
    private func start() {
        guard var batch = building else { return }
        building = nil
        let live = batch.members.filter { waiting[$0.id] != nil }
        if live.isEmpty { return }
        if live.count < batch.members.count { batch.repack(live) }
        for m in live { waiting[m.id]?.started = true }
        waitingTexts -= batch.texts
        observer?.queueDepthChanged(model: name, texts: waitingTexts)
        let packed: PackedBatch
        do { packed = try batch.packed() } catch {
            for m in live { waiting.removeValue(forKey: m.id)?.continuation.resume(throwing: error) }
            return
        }
        forwardRunning = true
        trace?(.started(batch: batch.number, texts: batch.texts))
        let ready = batch, kind = batch.kind, backend = backend
        let started = ContinuousClock.now
        Task {
            let result: Result<BatchOutput, any Error>
            do {
                switch kind {
                case .classify: result = .success(.classes(try await backend.classify(packed)))
                case .embed: result = .success(.embeddings(try await backend.embed(packed)))
                case .classifyTokens: result = .success(.tokenScores(try await backend.classifyTokens(packed)))
                }
            } catch {
                result = .failure(error)
            }
            self.finish(ready, result, started: started)
        }
    }

    /// Hands each request its own slice of the batch's results, in order.
    private func finish(_ batch: PendingBatch, _ result: Result<BatchOutput, any Error>, started: ContinuousClock.Instant) {
        let ended = ContinuousClock.now
        forwardRunning = false
        trace?(.finished(batch: batch.number))
        defer { wakeWorker() }
        var outcome = result
        if case .success(let out) = result, out.count != batch.texts {
            outcome = .failure(InferenceError.badInput("the model returned \(out.count) results for \(batch.texts) texts"))
        }
        switch outcome {
        case .success(let out):
            observer?.batchRan(model: name, texts: batch.texts, tokens: batch.tokens, seconds: (ended - started).seconds)
            var offset = 0
            for m in batch.members {
                let range = offset..<(offset + m.encodings.count)
                offset = range.upperBound
                guard let w = waiting.removeValue(forKey: m.id) else { continue }
                let timings = PhaseTimings(queue: started - m.enqueued, inference: ended - started)
                w.continuation.resume(returning: BatchResult(output: out.slice(range), timings: timings))
            }
        case .failure(let error):
            for m in batch.members { waiting.removeValue(forKey: m.id)?.continuation.resume(throwing: error) }
        }
    }
}

/// The next batch, packed as its requests join: the arrays `PackedBatch(sequences:typeIds:)`
/// would build from all of them at once.
struct PendingBatch {
    let number: Int
    let kind: BatchKind
    let deadline: ContinuousClock.Instant
    private(set) var members: [BatchQueue.Entry] = []
    private(set) var texts = 0
    private(set) var tokens = 0
    var isFull = false
    private var ids: [Int32] = [], typeIds: [Int32] = [], positions: [Int32] = [], offsets: [Int] = [0]

    init(number: Int, kind: BatchKind, deadline: ContinuousClock.Instant) {
        self.number = number; self.kind = kind; self.deadline = deadline
    }

    mutating func append(_ e: BatchQueue.Entry) {
        members.append(e)
        texts += e.encodings.count
        tokens += e.tokens
        for enc in e.encodings {
            ids += enc.ids
            typeIds += enc.typeIds
            positions += (0..<Int32(enc.ids.count)).map { $0 }
            offsets.append(ids.count)
        }
    }

    /// Rebuilds from the requests still waiting (some went away after joining).
    mutating func repack(_ live: [BatchQueue.Entry]) {
        var fresh = PendingBatch(number: number, kind: kind, deadline: deadline)
        for e in live { fresh.append(e) }
        fresh.isFull = isFull
        self = fresh
    }

    func packed() throws -> PackedBatch {
        try PackedBatch(packedIDs: ids, typeIds: typeIds, positions: positions, offsets: offsets)
    }
}

extension PackedBatch {
    /// A batch from arrays already laid out back to back (every token real: no key mask).
    init(packedIDs ids: [Int32], typeIds: [Int32], positions: [Int32], offsets: [Int]) throws {
        // The public initializer packs sequences; start empty and move the arrays in.
        self = try PackedBatch(sequences: [])
        self.ids = ids; self.typeIds = typeIds; self.positions = positions; self.offsets = offsets; self.keyMask = nil
    }
}
