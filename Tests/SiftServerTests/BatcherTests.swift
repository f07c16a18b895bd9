import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SiftServer

@Suite struct BatcherTests {
    /// Concurrent requests are gathered into shared forward passes and each gets its own answers back.
    @Test func concurrentRequestsAreBatchedAndAnsweredCorrectly() async throws {
        let fake = FakeModel(delay: .milliseconds(20))
        let batcher = DynamicBatcher(model: fake, options: .init(maxBatchTokens: 1000, maxBatchTexts: 64, maxWait: .milliseconds(5)))
        let words = ["billing", "delivery", "refund"]
        let answers = try await withThrowingTaskGroup(of: (Int, [Classification]).self) { group in
            for i in 0..<24 {
                group.addTask {
                    let texts = ["req \(i) \(words[i % 3])", "other \(words[(i + 1) % 3])"]
                    return (i, try await batcher.classify(texts))
                }
            }
            var out: [Int: [Classification]] = [:]
            for try await (i, c) in group { out[i] = c }
            return out
        }
        for i in 0..<24 {
            let got = try #require(answers[i])
            #expect(got == [fake.expected("req \(i) \(words[i % 3])"), fake.expected("other \(words[(i + 1) % 3])")])
        }
        let sizes = fake.batchSizes
        #expect(sizes.reduce(0, +) == 48)
        #expect(sizes.count < 24, "no batching happened: \(sizes)")
        #expect(sizes.max() ?? 0 > 2)
    }

    @Test func tokenBudgetAndTextCapBoundBatches() async throws {
        let fake = FakeModel(delay: .milliseconds(10))
        // Each text "a b" is 4 tokens; budget 12 tokens -> at most 3 texts per batch.
        let batcher = DynamicBatcher(model: fake, options: .init(maxBatchTokens: 12, maxBatchTexts: 64, maxWait: .milliseconds(5)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 { group.addTask { _ = try await batcher.classify(["a b"]) } }
            try await group.waitForAll()
        }
        #expect(fake.batchSizes.allSatisfy { $0 <= 3 }, "\(fake.batchSizes)")
        #expect(fake.batchSizes.reduce(0, +) == 12)
    }

    @Test func batchingOffRunsOneRequestPerPass() async throws {
        let fake = FakeModel(delay: .milliseconds(5))
        let batcher = DynamicBatcher(model: fake, options: .init(enabled: false))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = try await batcher.classify(["x y", "z"]) } }
            try await group.waitForAll()
        }
        #expect(fake.batchSizes == Array(repeating: 2, count: 8))
    }

    @Test func classifyAndEmbedAreNeverMixed() async throws {
        let fake = FakeModel(delay: .milliseconds(10))
        let batcher = DynamicBatcher(model: fake, options: .init(maxWait: .milliseconds(5)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<10 {
                group.addTask {
                    if i % 2 == 0 {
                        let c = try await batcher.classify(["refund \(i)"])
                        #expect(c == [fake.expected("refund \(i)")])
                    } else {
                        let e = try await batcher.embed(["e\(i)"])
                        #expect(e == [[2, 3, 1]])
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func fullQueueAnswers503WithRetryAfter() async throws {
        let app = try await makeApp(models: ["retail": FakeModel(delay: .milliseconds(100))], configure: {
            $0.batching.maxQueueTexts = 2
            $0.batching.maxBatchTexts = 1
        })
        try await app.app.test(.router) { client async throws in
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let r = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts":"a"}"#))
                        return (r.status, r.headers[.retryAfter])
                    }
                }
                var all: [(HTTPResponse.Status, String?)] = []
                for try await s in group { all.append(s) }
                return all
            }
            let refused = statuses.filter { $0.0 == .serviceUnavailable }
            #expect(!refused.isEmpty, "\(statuses.map(\.0))")
            #expect(refused.allSatisfy { $0.1 == "1" })
            #expect(statuses.contains { $0.0 == .ok })
        }
    }

    @Test func drainedBatcherFinishesQueuedWorkThenRefuses() async throws {
        let fake = FakeModel(delay: .milliseconds(20))
        let batcher = DynamicBatcher(model: fake, options: .init(maxBatchTexts: 1))
        async let a = batcher.classify(["refund"])
        async let b = batcher.classify(["billing"])
        try await Task.sleep(for: .milliseconds(5))
        await batcher.drainAndStop()
        let (ra, rb) = try await (a, b)
        #expect(ra == [fake.expected("refund")])
        #expect(rb == [fake.expected("billing")])
        await #expect(throws: BatcherError.stopped) { try await batcher.classify(["x"]) }
    }
}
