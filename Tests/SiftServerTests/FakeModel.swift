import Foundation
import SiftEngine
import SiftInference
import Synchronization
@testable import SiftServer

/// A deterministic in-memory model with a tokenizer of its own: a text's scores come from which
/// label words it contains, so tests know the right answer for every text. Every text it
/// tokenizes and every batch it runs are recorded.
final class FakeModel: ServableModel, Sendable {
    let info: ModelInfo
    let delay: Duration
    let failing: Bool
    /// The texts of each forward pass, decoded from the packed ids.
    let calls = Mutex<[[String]]>([])
    /// How often each text was tokenized.
    let encoded = Mutex<[String: Int]>([:])
    /// Word -> id; 0 and 1 are [CLS] and [SEP].
    private let vocabulary = Mutex<[String: Int32]>(["[CLS]": 0, "[SEP]": 1])
    private let words = Mutex<[String]>(["[CLS]", "[SEP]"])
    /// While closed, forward passes wait (tests hold a batch in flight).
    let gate: Gate?

    init(name: String = "retail", labels: [String] = ["billing", "delivery", "refund"], task: ModelTask = .singleLabel,
         maxLength: Int = 16, delay: Duration = .zero, failing: Bool = false, gate: Gate? = nil) {
        info = ModelInfo(name: name, version: "fake-1", labels: labels, task: task, maxLength: maxLength)
        self.delay = delay
        self.failing = failing
        self.gate = gate
    }

    /// One token per whitespace-separated word, plus [CLS] and [SEP]; truncated to `maxLength`.
    func tokenCount(_ text: String) -> Int { text.split(separator: " ").count + 2 }

    func encode(_ texts: [String]) -> [EncodedText] {
        texts.map { t in
            encoded.withLock { $0[t, default: 0] += 1 }
            let ids = t.split(separator: " ").map { id(String($0)) }
            var kept: [Int32] = [0]
            kept += ids.prefix(max(0, info.maxLength - 2))
            kept.append(1)
            return EncodedText(ids: kept, fullLength: ids.count + 2)
        }
    }

    /// A pair is its two texts' words around one [SEP], the second segment with type id 1.
    func encode(pairs: [(String, String)]) -> [EncodedText] {
        pairs.map { a, b in
            let first = encode([a])[0], second = encode([b])[0]
            let ids = first.ids + second.ids.dropFirst()
            return EncodedText(ids: Array(ids), typeIds: first.ids.map { _ in 0 } + second.ids.dropFirst().map { _ in 1 },
                               fullLength: first.fullLength + second.fullLength - 1)
        }
    }

    private func id(_ word: String) -> Int32 {
        vocabulary.withLock { v in
            if let id = v[word] { return id }
            let id = Int32(v.count)
            v[word] = id
            words.withLock { $0.append(word) }
            return id
        }
    }

    /// The texts of a packed batch (words joined by single spaces).
    func texts(_ batch: PackedBatch) -> [String] {
        let table = words.withLock { $0 }
        return (0..<batch.batchSize).map { b in
            batch.ids[batch.offsets[b]..<batch.offsets[b + 1]].dropFirst().dropLast().map { table[Int($0)] }.joined(separator: " ")
        }
    }

    /// Logit 2 for each label word present, else 0; softmax (or sigmoid) as the task says.
    func expected(_ text: String) -> Classification {
        let words = Set(text.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init))
        let logits: [Float] = info.labels.map { words.contains($0) ? 2 : 0 }
        switch info.task {
        case .multiLabel:
            return Classification(scores: logits.map { 1 / (1 + exp(-$0)) }, logits: logits)
        default:
            let m = logits.max() ?? 0
            let e = logits.map { exp($0 - m) }
            let s = e.reduce(0, +)
            return Classification(scores: e.map { $0 / s }, logits: logits)
        }
    }

    func classify(_ batch: PackedBatch) async throws -> [Classification] {
        let texts = try await run(batch)
        return texts.map(expected)
    }

    func embed(_ batch: PackedBatch) async throws -> [[Float]] {
        let texts = try await run(batch)
        return (0..<batch.batchSize).map { [Float(texts[$0].count), Float(batch.length($0)), 1] }
    }

    private func run(_ batch: PackedBatch) async throws -> [String] {
        let texts = texts(batch)
        calls.withLock { $0.append(texts) }
        if let gate { await gate.wait() }
        if delay > .zero { try await Task.sleep(for: delay) }
        if failing { throw ModelError("fake model failure") }
        return texts
    }

    var batchSizes: [Int] { calls.withLock { $0.map(\.count) } }
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

/// Serves prepared fakes by the spec's path; an unknown path fails to load.
struct FakeLoader: ModelLoader {
    let models: [String: FakeModel]
    func load(_ spec: ModelSpec) async throws -> any ServableModel {
        guard let m = models[spec.path] else { throw ModelError("\(spec.path): no such model folder") }
        return m
    }
}
