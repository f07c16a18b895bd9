import Foundation
import Synchronization
@testable import SiftServer

/// A deterministic in-memory model: a text's scores come from which label words it contains, so
/// tests know the right answer for every text, and each call's batch is recorded.
final class FakeModel: ServableModel, Sendable {
    let info: ModelInfo
    let delay: Duration
    let failing: Bool
    let calls = Mutex<[[String]]>([])

    init(name: String = "retail", labels: [String] = ["billing", "delivery", "refund"], task: ModelTask = .singleLabel,
         maxLength: Int = 16, delay: Duration = .zero, failing: Bool = false) {
        info = ModelInfo(name: name, version: "fake-1", labels: labels, task: task, maxLength: maxLength)
        self.delay = delay
        self.failing = failing
    }

    /// One token per whitespace-separated word, plus [CLS] and [SEP].
    func tokenCount(_ text: String) -> Int { text.split(separator: " ").count + 2 }

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

    func classify(_ texts: [String]) async throws -> [Classification] {
        calls.withLock { $0.append(texts) }
        if delay > .zero { try await Task.sleep(for: delay) }
        if failing { throw ModelError("fake model failure") }
        return texts.map(expected)
    }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        calls.withLock { $0.append(texts) }
        if delay > .zero { try await Task.sleep(for: delay) }
        if failing { throw ModelError("fake model failure") }
        return texts.map { t in [Float(t.count), Float(tokenCount(t)), 1] }
    }

    var batchSizes: [Int] { calls.withLock { $0.map(\.count) } }
}

/// Serves prepared fakes by the spec's path; an unknown path fails to load.
struct FakeLoader: ModelLoader {
    let models: [String: FakeModel]
    func load(_ spec: ModelSpec) async throws -> any ServableModel {
        guard let m = models[spec.path] else { throw ModelError("\(spec.path): no such model folder") }
        return m
    }
}
