import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SiftServer

@Suite struct FallbackTests {
    static let rules = RuleSetSpec(rules: [
        RuleSpec(label: "refund", keywords: ["refund", "money back"]),
        RuleSpec(label: "delivery", regex: "(track|where).*(parcel|order)"),
    ], defaultLabel: "other")

    @Test func rulesOrderAndDefault() throws {
        let set = try RuleSet(Self.rules)
        #expect(set.answer("I want a REFUND").label == "refund")
        #expect(set.answer("where is my order? refund!").label == "refund")  // first rule wins
        #expect(set.answer("Where is my parcel").rule == 1)
        #expect(set.answer("refunds").label == "other")  // keywords match whole words
        #expect(set.answer("hello").label == "other")
        #expect(set.answer("hello").rule == nil)
        #expect(throws: ConfigError.self) { try RuleSet(RuleSetSpec(rules: [RuleSpec(label: "x", regex: "(")])) }
    }

    func classify(_ app: SiftApplication, _ texts: String) async throws -> TestResponse {
        try await app.app.test(.router) { client async throws in
            try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: json(texts))
        }
    }

    @Test func rulesAnswerWhenTheModelFailedToLoad() async throws {
        let app = try await makeApp(models: [:], configure: { $0.models["retail"] = ModelSpec(path: "missing", fallback: Self.rules) })
        let r = try await classify(app, #"{"texts": ["money back now", "track my parcel", "hi"]}"#)
        #expect(r.status == .ok)
        #expect(results(r).map { $0["label"] as? String } == ["refund", "delivery", "other"])
        #expect(results(r).allSatisfy { $0["answered_by"] as? String == "rules" })
        #expect(results(r)[1]["rule"] as? Int == 1)
        #expect(app.metrics.exposition().contains(#"sift_fallback_total{model="retail",reason="load_failed"} 3"#))
    }

    @Test func rulesAnswerOnInferenceErrorAndTimeout() async throws {
        let failing = try await makeApp(models: ["retail": FakeModel(failing: true)], configure: { $0.models["retail"]?.fallback = Self.rules })
        let r1 = try await classify(failing, #"{"texts": "refund"}"#)
        #expect(r1.status == .ok)
        #expect(results(r1).first?["answered_by"] as? String == "rules")
        #expect(failing.metrics.exposition().contains(#"reason="error""#))

        let slow = try await makeApp(models: ["retail": FakeModel(delay: .milliseconds(300))], configure: {
            $0.models["retail"]?.fallback = Self.rules
            $0.limits.requestTimeoutMs = 30
        })
        let r2 = try await classify(slow, #"{"texts": "refund"}"#)
        #expect(r2.status == .ok)
        #expect(results(r2).first?["label"] as? String == "refund")
        #expect(results(r2).first?["answered_by"] as? String == "rules")
        #expect(slow.metrics.exposition().contains(#"reason="timeout""#))
    }

    @Test func rulesReplaceLowScoresOnly() async throws {
        var rules = Self.rules
        rules.belowScore = 0.5
        let app = try await makeApp(configure: { $0.models["retail"]?.fallback = rules })
        // "billing" scores 0.79 (model answers); "hello refund" has ... refund is a label word too,
        // so use a text with no label word: uniform 1/3 < 0.5 -> rules.
        let r = try await classify(app, #"{"texts": ["billing issue", "where is my parcel"]}"#)
        #expect(r.status == .ok)
        let rs = results(r)
        #expect(rs[0]["answered_by"] as? String == "model")
        #expect(rs[0]["label"] as? String == "billing")
        #expect(rs[1]["answered_by"] as? String == "rules")
        #expect(rs[1]["label"] as? String == "delivery")
    }
}

@Suite struct MetricsTests {
    @Test func exposesRequestQueueBatchAndModelMetrics() async throws {
        let app = try await makeApp(configure: { $0.models["broken"] = ModelSpec(path: "missing") })
        try await app.app.test(.router) { client async throws in
            for _ in 0..<3 {
                _ = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts": ["a b", "c"]}"#))
            }
            _ = try await client.execute(uri: "/v1/models/nope/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts": "a"}"#))
            let m = try await client.execute(uri: "/metrics", method: .get)
            #expect(m.status == .ok)
            let text = String(decoding: m.body.readableBytesView, as: UTF8.self)
            for needle in [
                #"sift_http_requests_total{route="/v1/models/{name}/classify",method="POST",status="200"} 3"#,
                #"sift_http_requests_total{route="/v1/models/{name}/classify",method="POST",status="404"} 1"#,
                #"sift_http_request_duration_seconds_bucket{route="/v1/models/{name}/classify",method="POST",status="200",le="#,
                #"sift_batch_size_texts_count{model="retail"} 3"#,
                #"sift_batch_size_texts_sum{model="retail"} 6.0"#,
                #"sift_batch_tokens_sum{model="retail"} 21.0"#,
                #"sift_inference_duration_seconds_count{model="retail"} 3"#,
                #"sift_queue_depth_texts{model="retail"} 0.0"#,
                #"sift_model_loaded{model="retail"} 1.0"#,
                #"sift_model_loaded{model="broken"} 0.0"#,
            ] {
                #expect(text.contains(needle), "missing: \(needle)")
            }
        }
    }

    @Test func jsonLogLinesCarryTheRequestID() throws {
        let lines = LinesBox()
        var handler = JSONLogHandler(label: "t", write: { lines.append($0) })
        handler[metadataKey: "request_id"] = "r-1"
        handler.log(event: .init(level: .info, message: "request", metadata: ["status": "200"], source: "x", file: "f", function: "g", line: 1))
        let obj = try JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: Any]
        #expect(obj?["request_id"] as? String == "r-1")
        #expect(obj?["msg"] as? String == "request")
        #expect(obj?["level"] as? String == "info")
        #expect(obj?["status"] as? String == "200")
    }
}

final class LinesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ s: String) { lock.withLock { lines.append(s) } }
    var all: [String] { lock.withLock { lines } }
}
