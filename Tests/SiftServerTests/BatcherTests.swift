import Foundation
import Hummingbird
import HummingbirdTesting
import SiftInference
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
            #expect(statuses.contains { $0.0 == .ok }, "\(statuses.map(\.0))")
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
        await #expect(throws: BatchQueueError.stopped) { try await batcher.classify(["x"]) }
    }

    /// A served text is tokenized once per request, whatever the route and `truncate` say.
    @Test func eachTextIsTokenizedOncePerRequest() async throws {
        let fake = FakeModel()
        let app = try await makeApp(models: ["retail": fake])
        try await app.app.test(.router) { client async throws in
            for (route, body) in [
                ("classify", #"{"texts": ["one refund", "two billing"], "truncate": false}"#),
                ("classify", #"{"texts": ["three delivery"]}"#),
                ("embed", #"{"texts": ["four", "five six"], "truncate": false}"#),
                ("embed", #"{"texts": ["seven"]}"#),
            ] {
                let r = try await client.execute(uri: "/v1/models/retail/\(route)", method: .post, headers: jsonHeaders, body: json(body))
                #expect(r.status == .ok)
            }
        }
        let counts = fake.encoded.withLock { $0 }
        #expect(counts == ["one refund": 1, "two billing": 1, "three delivery": 1, "four": 1, "five six": 1, "seven": 1])
        // And the forward passes ran exactly those texts.
        #expect(fake.calls.withLock { $0 } == [["one refund", "two billing"], ["three delivery"], ["four", "five six"], ["seven"]])
    }

    /// `truncate: false` is checked against the untruncated length of the one encoding.
    @Test func untruncatedLengthComesFromTheSameEncoding() async throws {
        let fake = FakeModel(maxLength: 6)
        let app = try await makeApp(models: ["retail": fake])
        let long = "a b c d e"  // 7 tokens with [CLS] and [SEP]
        try await app.app.test(.router) { client async throws in
            let refused = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders,
                                                   body: json(#"{"texts": ["ok", "\#(long)"], "truncate": false}"#))
            #expect(refused.status == .unprocessableContent)
            #expect((errorOf(refused)?["message"] as? String)?.contains("texts[1] is 7 tokens; the model takes 6") == true)
            let cut = try await client.execute(uri: "/v1/models/retail/embed", method: .post, headers: jsonHeaders,
                                               body: json(#"{"texts": ["\#(long)"]}"#))
            #expect(cut.status == .ok)
            #expect(object(cut)?["embeddings"] as? [[Double]] == [[7, 6, 1]])  // "a b c d" kept: 7 characters, 6 tokens
        }
        #expect(fake.encoded.withLock { $0 } == ["ok": 1, long: 2])  // once per request
        #expect(fake.calls.withLock { $0 } == [["a b c d"]])  // the refused request never reached the model
    }

    /// Every answered classify/embed carries its phase timings as headers and in /metrics.
    @Test func phaseTimingsInHeadersAndMetrics() async throws {
        let fake = FakeModel(delay: .milliseconds(30))
        let app = try await makeApp(models: ["retail": fake])
        try await app.app.test(.router) { client async throws in
            for route in ["classify", "embed"] {
                let r = try await client.execute(uri: "/v1/models/retail/\(route)", method: .post, headers: jsonHeaders,
                                                 body: json(#"{"texts": ["refund please"]}"#))
                #expect(r.status == .ok)
                let ms = { (name: String) in r.headers[.init(name)!].flatMap(Double.init) }
                let tokenize = try #require(ms("x-sift-tokenize-ms"), "\(route)")
                let queue = try #require(ms("x-sift-queue-ms"), "\(route)")
                let inference = try #require(ms("x-sift-inference-ms"), "\(route)")
                #expect(tokenize >= 0 && queue >= 0)
                #expect(inference >= 25, "the fake's forward sleeps 30 ms: \(inference)")
            }
            let text = String(decoding: try await client.execute(uri: "/metrics", method: .get).body.readableBytesView, as: UTF8.self)
            for endpoint in ["classify", "embed"] {
                for phase in ["tokenize", "queue", "inference"] {
                    let needle = #"sift_request_\#(phase)_duration_seconds_count{model="retail",endpoint="\#(endpoint)"} 1"#
                    #expect(text.contains(needle), "missing: \(needle)")
                }
            }
        }
    }

    /// Rules answering for a model that failed to load need no tokens: no timing headers but none lost.
    @Test func rulesAnswersCarryNoModelTimings() async throws {
        let rules = RuleSetSpec(rules: [RuleSpec(label: "refund", keywords: ["refund"])], defaultLabel: "other")
        let app = try await makeApp(models: [:], configure: {
            $0.models["broken"] = ModelSpec(path: "missing")
            $0.models["broken"]?.fallback = rules
        })
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models/broken/classify", method: .post, headers: jsonHeaders,
                                             body: json(#"{"texts": ["refund please"]}"#))
            #expect(r.status == .ok)
            #expect(results(r).first?["answered_by"] as? String == "rules")
            #expect(r.headers[.init("x-sift-inference-ms")!] == nil)
        }
    }
}
