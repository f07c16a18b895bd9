import Foundation
import SiftEngine
import Synchronization
import Testing
@testable import SiftInference

/// The queue over encodings: batches fill from what is queued, the worker is woken (never
/// polls), the next batch is packed while a forward runs, cancelled requests are dropped.
@Suite struct BatchQueueTests {
    func encode(_ backend: FakeBackend, _ texts: String...) -> [EncodedText] { backend.encode(texts) }

    func classes(_ r: BatchResult) -> [Classification] {
        if case .classes(let c) = r.output { return c }
        return []
    }

    @Test func concurrentRequestsFillSharedBatchesAndGetTheirOwnResultsInOrder() async throws {
        let backend = FakeBackend(delay: .milliseconds(20))
        let queue = BatchQueue(name: "m", backend: backend, options: .init(maxBatchTokens: 1000, maxBatchTexts: 64, maxWait: .milliseconds(5)))
        let answers = try await withThrowingTaskGroup(of: (Int32, [Classification]).self) { group in
            for i in Int32(0)..<24 {
                let enc = encode(backend, "\(i) 1", "\(i + 100)", "\(i + 200) 2 3")
                group.addTask { (i, self.classes(try await queue.submit(.classify, enc))) }
            }
            var out: [Int32: [Classification]] = [:]
            for try await (i, c) in group { out[i] = c }
            return out
        }
        for i in Int32(0)..<24 {
            #expect(answers[i] == [FakeBackend.expected([i, 1]), FakeBackend.expected([i + 100]), FakeBackend.expected([i + 200, 2, 3])])
        }
        let sizes = backend.batches.withLock { $0.map(\.count) }
        #expect(sizes.reduce(0, +) == 72)
        #expect(sizes.count < 24, "no batching happened: \(sizes)")
        #expect(await queue.queueDepth == 0)
    }

    /// One request alone waits for company exactly until its deadline: one timed wake, no polling.
    @Test func aLoneRequestStartsAtItsDeadlineAfterOneTimedWake() async throws {
        let backend = FakeBackend()
        let queue = BatchQueue(name: "m", backend: backend, options: .init(maxWait: .milliseconds(300)))
        let start = ContinuousClock.now
        let r = try await queue.submit(.classify, encode(backend, "7"))
        let waited = ContinuousClock.now - start
        #expect(classes(r) == [FakeBackend.expected([7])])
        #expect(waited >= .milliseconds(290), "started before its deadline: \(waited)")
        #expect(r.timings.queue >= .milliseconds(290))
        // Woken by the request, the timer and the end of the forward: a 500 µs poll would wake ~600 times.
        let wakeups = await queue.wakeups
        #expect(wakeups <= 4, "\(wakeups) wakeups")
    }

    /// A full batch does not wait for the deadline.
    @Test func aFullBatchStartsAtOnce() async throws {
        let backend = FakeBackend()
        let queue = BatchQueue(name: "m", backend: backend, options: .init(maxBatchTexts: 2, maxWait: .seconds(900)))
        let start = ContinuousClock.now
        let r = try await queue.submit(.embed, encode(backend, "1 2", "3"))
        #expect(ContinuousClock.now - start < .seconds(600), "waited for the deadline")
        #expect(r.output == .embeddings([[3], [3]]))
        #expect(await queue.wakeups <= 3)
    }

    /// Token scores run through the queue like the other kinds and never share a batch with them;
    /// a backend without a token head refuses with the default's typed error.
    @Test func tokenScoresAreAKindOfTheirOwn() async throws {
        let backend = TokenBackend()
        let queue = BatchQueue(name: "m", backend: backend, options: .init(maxWait: .milliseconds(20)))
        let enc = backend.encode(["1 2", "3"])
        async let tokens = queue.submit(.classifyTokens, enc)
        async let classes = queue.submit(.classify, enc)
        let (t, c) = try await (tokens, classes)
        #expect(t.output == .tokenScores(enc.map { TokenBackend.scores($0.ids.count) }))
        #expect(c.output.count == 2)
        if case .classes = c.output {} else { Issue.record("classify answered with \(c.output)") }
        #expect(backend.kinds.withLock { $0 }.sorted() == ["classify", "tokens"], "one batch per kind")
        #expect(try await queue.submit(.classifyTokens, []).output == .tokenScores([]))
        let plain = FakeBackend()
        await #expect(throws: InferenceError.self) {
            _ = try await BatchQueue(name: "f", backend: plain).submit(.classifyTokens, plain.encode(["1"]))
        }
    }

    /// While batch 1 is in the backend, requests arriving are packed into batch 2, which starts
    /// the moment batch 1 is done.
    @Test func theNextBatchIsPackedWhileTheCurrentForwardRuns() async throws {
        let gate = Gate(), log = EventLog()
        let backend = FakeBackend(gate: gate)
        let queue = BatchQueue(name: "m", backend: backend, options: .init(maxWait: .milliseconds(1)), trace: log.trace)
        let a = Task { try await queue.submit(.classify, encode(backend, "1")) }
        #expect(try await eventually { backend.forwardCount == 1 })
        let b = Task { try await queue.submit(.classify, encode(backend, "2", "3")) }
        #expect(try await eventually { log.all.contains(.packed(batch: 2, texts: 2)) })
        let c = Task { try await queue.submit(.classify, encode(backend, "4")) }
        #expect(try await eventually { log.all.contains(.packed(batch: 2, texts: 1)) })
        #expect(!log.all.contains(.finished(batch: 1)), "batch 1 must still be running")
        await gate.open()
        let (ra, rb, rc) = try await (a.value, b.value, c.value)
        #expect(classes(ra) == [FakeBackend.expected([1])])
        #expect(classes(rb) == [FakeBackend.expected([2]), FakeBackend.expected([3])])
        #expect(classes(rc) == [FakeBackend.expected([4])])
        let events = log.all
        #expect(events.first == .packed(batch: 1, texts: 1))
        #expect(Array(events.suffix(3)) == [.finished(batch: 1), .started(batch: 2, texts: 3), .finished(batch: 2)])
        #expect(backend.batches.withLock { $0 } == [[[1]], [[2], [3], [4]]])
    }

    /// A request whose caller went away is answered at once and never reaches the backend.
    @Test func cancelledRequestsAreDroppedWhenTheBatchIsBuilt() async throws {
        let gate = Gate(), log = EventLog()
        let backend = FakeBackend(gate: gate)
        let queue = BatchQueue(name: "m", backend: backend, options: .init(maxWait: .milliseconds(1)), trace: log.trace)
        let a = Task { try await queue.submit(.classify, encode(backend, "1")) }
        #expect(try await eventually { backend.forwardCount == 1 })
        let b = Task { try await queue.submit(.classify, encode(backend, "2")) }
        #expect(try await eventually { log.all.contains(.packed(batch: 2, texts: 1)) })
        let c = Task { try await queue.submit(.classify, encode(backend, "3")) }
        #expect(try await eventually { log.all.filter { $0 == .packed(batch: 2, texts: 1) }.count == 2 })
        b.cancel()
        await #expect(throws: CancellationError.self) { try await b.value }
        #expect(await queue.queueDepth == 1)
        await gate.open()
        _ = try await (a.value, c.value)
        #expect(backend.batches.withLock { $0 } == [[[1]], [[3]]])
        #expect(await queue.queueDepth == 0)
    }

    @Test func aFullQueueAndAStoppedQueueRefuseWithTypedErrors() async throws {
        let gate = Gate()
        let backend = FakeBackend(gate: gate)
        let queue = BatchQueue(name: "m", backend: backend, options: .init(maxBatchTexts: 1, maxQueueTexts: 2))
        let a = Task { try await queue.submit(.classify, encode(backend, "1")) }
        #expect(try await eventually { backend.forwardCount == 1 })
        let b = Task { try await queue.submit(.classify, encode(backend, "2")) }
        let c = Task { try await queue.submit(.classify, encode(backend, "3")) }
        #expect(try await eventually { await queue.queueDepth == 2 })
        await #expect(throws: BatchQueueError.queueFull) { try await queue.submit(.classify, encode(backend, "4")) }
        await queue.drainAndStop()
        await #expect(throws: BatchQueueError.stopped) { try await queue.submit(.classify, encode(backend, "5")) }
        await gate.open()
        // Drained: what was queued still gets its answer.
        let (ra, rb, rc) = try await (a.value, b.value, c.value)
        #expect([classes(ra), classes(rb), classes(rc)] == [[FakeBackend.expected([1])], [FakeBackend.expected([2])], [FakeBackend.expected([3])]])
    }

    @Test func inferenceTimeIsTheForwardOfTheRequestsBatch() async throws {
        let backend = FakeBackend(delay: .milliseconds(40))
        let queue = BatchQueue(name: "m", backend: backend, options: .init(maxWait: .zero))
        let r = try await queue.submit(.classify, encode(backend, "1"))
        #expect(r.timings.inference >= .milliseconds(35))
        #expect(r.timings.tokenize == .zero, "tokenizing is the caller's phase")
    }

    /// Packing as requests join gives exactly the batch the engine's initializer builds.
    @Test func incrementalPackingEqualsPackedBatch() throws {
        let encs = [EncodedText(ids: [101, 5, 6, 102], typeIds: [0, 0, 1, 1]), EncodedText(ids: [101, 102]), EncodedText(ids: [101, 7, 102])]
        let entries = encs.enumerated().map { i, e in
            BatchQueue.Entry(id: UInt64(i), kind: .classify, encodings: [e], tokens: e.count, enqueued: .now)
        }
        var pending = PendingBatch(number: 1, kind: .classify, deadline: .now)
        for e in entries { pending.append(e) }
        #expect(try pending.packed() == PackedBatch(sequences: encs.map(\.ids), typeIds: encs.map(\.typeIds)))
        #expect(pending.tokens == 9 && pending.texts == 3)
        pending.repack([entries[0], entries[2]])
        #expect(try pending.packed() == PackedBatch(sequences: [encs[0].ids, encs[2].ids], typeIds: [encs[0].typeIds, encs[2].typeIds]))
    }
}

/// A backend with a token head: each sequence's scores are [T, 2] rows of (0.25, 0.75).
final class TokenBackend: InferenceBackend, Sendable {
    let kinds = Mutex<[String]>([])
    func encode(_ texts: [String]) -> [EncodedText] { FakeBackend().encode(texts) }
    func encode(pairs: [(String, String)]) -> [EncodedText] { FakeBackend().encode(pairs: pairs) }
    func classify(_ batch: PackedBatch) async throws -> [Classification] {
        kinds.withLock { $0.append("classify") }
        return (0..<batch.batchSize).map { _ in Classification(scores: [1], logits: [1]) }
    }
    func embed(_ batch: PackedBatch) async throws -> [[Float]] { [] }
    func classifyTokens(_ batch: PackedBatch) async throws -> [TokenScores] {
        kinds.withLock { $0.append("tokens") }
        return (0..<batch.batchSize).map { Self.scores(batch.length($0)) }
    }
    static func scores(_ tokens: Int) -> TokenScores {
        TokenScores(logits: Array(repeating: 1, count: 2 * tokens), scores: (0..<tokens).flatMap { _ in [Float(0.25), 0.75] }, labels: 2)
    }
}
