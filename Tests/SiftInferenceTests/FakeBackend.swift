import Foundation
import SiftEngine
import Synchronization
@testable import SiftInference

/// A backend without weights: a text of space-separated integers encodes to [CLS] ints [SEP]
/// (ids 101 and 102); a sequence classifies to scores [first int] and logits [its length], and
/// embeds to [sum of its ints]. Every tokenized text and every forward pass is recorded.
final class FakeBackend: InferenceBackend, Sendable {
    let delay: Duration
    let gate: Gate?
    /// The integers of each forward pass's sequences.
    let batches = Mutex<[[[Int32]]]>([])
    let encoded = Mutex<[String: Int]>([:])

    init(delay: Duration = .zero, gate: Gate? = nil) {
        self.delay = delay
        self.gate = gate
    }

    func encode(pairs: [(String, String)]) -> [EncodedText] { encode(pairs.map { "\($0.0) \($0.1)" }) }

    func encode(_ texts: [String]) -> [EncodedText] {
        texts.map { t in
            encoded.withLock { $0[t, default: 0] += 1 }
            var ids: [Int32] = [101]
            ids += t.split(separator: " ").compactMap { Int32($0) }
            ids.append(102)
            return EncodedText(ids: ids)
        }
    }

    static func expected(_ ints: [Int32]) -> Classification {
        Classification(scores: [Float(ints.first ?? -1)], logits: [Float(ints.count + 2)])
    }

    func classify(_ batch: PackedBatch) async throws -> [Classification] {
        try await run(batch).map(Self.expected)
    }

    func embed(_ batch: PackedBatch) async throws -> [[Float]] {
        try await run(batch).map { [Float($0.reduce(0, +))] }
    }

    private func run(_ batch: PackedBatch) async throws -> [[Int32]] {
        let seqs = (0..<batch.batchSize).map { Array(batch.ids[(batch.offsets[$0] + 1)..<(batch.offsets[$0 + 1] - 1)]) }
        batches.withLock { $0.append(seqs) }
        if let gate { await gate.wait() }
        if delay > .zero { try await Task.sleep(for: delay) }
        return seqs
    }

    var forwardCount: Int { batches.withLock { $0.count } }
}

/// Holds forward passes until opened.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for w in waiters { w.resume() }
        waiters = []
    }
}

/// Collects a queue's events.
final class EventLog: Sendable {
    let events = Mutex<[BatchQueue.Event]>([])
    var all: [BatchQueue.Event] { events.withLock { $0 } }
    var trace: @Sendable (BatchQueue.Event) -> Void { { e in self.events.withLock { $0.append(e) } } }
}

/// Waits (test-side) until `condition` holds, up to `seconds` (generous: heavy synchronous
/// suites running alongside can hold the cooperative pool for a minute in debug builds).
func eventually(_ seconds: Double = 300, _ condition: () async -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try await Task.sleep(for: .milliseconds(2))
    }
    return await condition()
}
