import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SiftServer
import SiftTestSupport

@Suite struct APITests {
    @Test func healthAndReady() async throws {
        let app = try await makeApp()
        try await app.app.test(.router) { client async throws in
            let h = try await client.execute(uri: "/health", method: .get)
            #expect(h.status == .ok)
            #expect(object(h)?["status"] as? String == "ok")
            #expect(h.headers[.init("X-Request-ID")!] != nil)
            let r = try await client.execute(uri: "/ready", method: .get)
            #expect(r.status == .ok)
            #expect((object(r)?["models"] as? [String: String])?["retail"] == "loaded")
        }
    }

    @Test func readyIsUnavailableWhenAModelFailedToLoad() async throws {
        let app = try await makeApp(configure: { $0.models["broken"] = ModelSpec(path: "missing-dir") })
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/ready", method: .get)
            #expect(r.status == .serviceUnavailable)
            #expect((object(r)?["models"] as? [String: String])?["broken"] == "failed")
            // Without rules the failed model answers 503, naming itself.
            let c = try await client.execute(uri: "/v1/models/broken/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts":"x"}"#))
            #expect(c.status == .serviceUnavailable)
            #expect(errorOf(c)?["code"] as? String == "model_unavailable")
        }
    }

    @Test func listsSeveralModels() async throws {
        let app = try await makeApp(models: [
            "retail": FakeModel(),
            "finance": FakeModel(name: "x", labels: ["fraud", "ok"], task: .multiLabel, maxLength: 32),
        ])
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models", method: .get)
            #expect(r.status == .ok)
            let models = try #require(object(r)?["models"] as? [[String: Any]])
            #expect(models.map { $0["name"] as? String } == ["finance", "retail"])
            #expect(models[0]["labels"] as? [String] == ["fraud", "ok"])
            #expect(models[0]["task"] as? String == "multi_label_classification")
            #expect(models[0]["max_length"] as? Int == 32)
            #expect(models[1]["version"] as? String == "fake-1")
        }
    }

    @Test func classifiesOneAndManyTexts() async throws {
        let fake = FakeModel()
        let app = try await makeApp(models: ["retail": fake])
        try await app.app.test(.router) { client async throws in
            let one = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders,
                                               body: json(#"{"texts": "where is my delivery"}"#))
            #expect(one.status == .ok)
            #expect(object(one)?["model"] as? String == "retail")
            #expect(object(one)?["version"] as? String == "fake-1")
            let r0 = try #require(results(one).first)
            #expect(r0["label"] as? String == "delivery")
            #expect(r0["answered_by"] as? String == "model")
            let expected = fake.expected("where is my delivery")
            let score = try #require(r0["score"] as? Double)
            #expect(abs(score - Double(expected.scores[1])) < 1e-6)
            let scores = try #require(r0["scores"] as? [String: Double])
            #expect(scores.count == 3)
            #expect(abs(scores.values.reduce(0, +) - 1) < 1e-6)

            let many = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders,
                                                body: json(#"{"texts": ["refund please", "billing error", "hello"], "top_k": 2, "raw_scores": true}"#))
            #expect(many.status == .ok)
            let rs = results(many)
            #expect(rs.map { $0["label"] as? String } == ["refund", "billing", "billing"])  // ties keep label order
            #expect((rs[0]["scores"] as? [String: Double])?.count == 2)
            #expect((rs[0]["logits"] as? [String: Double])?["refund"] == 2)
        }
    }

    @Test func multiLabelThreshold() async throws {
        let app = try await makeApp(models: ["tags": FakeModel(labels: ["fraud", "urgent", "spam"], task: .multiLabel)])
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models/tags/classify", method: .post, headers: jsonHeaders,
                                             body: json(#"{"texts": ["urgent fraud alert"]}"#))
            #expect(r.status == .ok)
            let res = try #require(results(r).first)
            // sigmoid(2) = 0.88 for both present labels, sigmoid(0) = 0.5 for spam (>= 0.5 too).
            #expect(Set(res["labels"] as? [String] ?? []) == ["fraud", "urgent", "spam"])
            let strict = try await client.execute(uri: "/v1/models/tags/classify", method: .post, headers: jsonHeaders,
                                                  body: json(#"{"texts": ["urgent fraud alert"], "threshold": 0.8}"#))
            #expect(Set(results(strict).first?["labels"] as? [String] ?? []) == ["fraud", "urgent"])
        }
    }

    @Test func embeds() async throws {
        let app = try await makeApp()
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models/retail/embed", method: .post, headers: jsonHeaders,
                                             body: json(#"{"texts": ["a b c", "hello"]}"#))
            #expect(r.status == .ok)
            #expect(object(r)?["dimensions"] as? Int == 3)
            let e = try #require(object(r)?["embeddings"] as? [[Double]])
            #expect(e == [[5, 5, 1], [5, 3, 1]])
        }
    }

    @Test func unknownAndInvalidModelNames() async throws {
        let app = try await makeApp()
        try await app.app.test(.router) { client async throws in
            let unknown = try await client.execute(uri: "/v1/models/nope/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts":"x"}"#))
            #expect(unknown.status == .notFound)
            #expect(errorOf(unknown)?["code"] as? String == "model_not_found")
            for bad in ["..", "a%2F..%2Fetc", "%2e%2e", "-x", String(repeating: "a", count: 65)] {
                let r = try await client.execute(uri: "/v1/models/\(bad)/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts":"x"}"#))
                #expect(r.status == .badRequest || r.status == .notFound, "\(bad) -> \(r.status)")
                #expect(errorOf(r)?["code"] as? String != nil)
            }
            let path = try await client.execute(uri: "/nothing/here", method: .get)
            #expect(path.status == .notFound)
            #expect(errorOf(path)?["code"] as? String == "not_found")
        }
        #expect(ModelName.isValid("retail-v2.1_b"))
        #expect(!ModelName.isValid("../etc"))
        #expect(!ModelName.isValid("a/b"))
        #expect(!ModelName.isValid("a b"))
        #expect(!ModelName.isValid(""))
        #expect(!ModelName.isValid("café"))
    }

    @Test func malformedBodies() async throws {
        let app = try await makeApp()
        try await app.app.test(.router) { client async throws in
            func post(_ body: ByteBuffer?) async throws -> TestResponse {
                try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: body)
            }
            let cases: [(ByteBuffer?, HTTPResponse.Status, String)] = [
                (nil, .badRequest, "empty_body"),
                (json("   "), .badRequest, "empty_body"),
                (json(#"{"texts": ["a",}"#), .badRequest, "invalid_json"),
                (json(#"[1,2]"#), .badRequest, "invalid_json"),
                (ByteBuffer(bytes: Array(#"{"texts": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)), .badRequest, "invalid_utf8"),
                (json(#"{"texts": 5}"#), .unprocessableContent, "invalid_request"),
                (json(#"{"texts": [1, 2]}"#), .unprocessableContent, "invalid_request"),
                (json(#"{"texts": "a", "top_k": "two"}"#), .unprocessableContent, "invalid_request"),
                (json(#"{"texts": "a", "raw_scores": "yes"}"#), .unprocessableContent, "invalid_request"),
                (json(#"{"text": "a"}"#), .unprocessableContent, "invalid_request"),
                (json(#"{}"#), .unprocessableContent, "invalid_request"),
                (json(#"{"texts": []}"#), .unprocessableContent, "invalid_request"),
                (json(#"{"texts": "a", "top_k": 0}"#), .unprocessableContent, "invalid_request"),
                (json(#"{"texts": "a", "top_k": 4}"#), .unprocessableContent, "invalid_request"),
                (json(#"{"texts": "a", "threshold": 1.5}"#), .unprocessableContent, "invalid_request"),
            ]
            for (body, status, code) in cases {
                let r = try await post(body)
                let shown = body.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? "<none>"
                #expect(r.status == status, "\(shown) -> \(r.status)")
                #expect(errorOf(r)?["code"] as? String == code, "\(shown) -> \(String(decoding: r.body.readableBytesView, as: UTF8.self))")
            }
            // Type errors name the field.
            let typed = try await post(json(#"{"texts": 5}"#))
            #expect((errorOf(typed)?["message"] as? String)?.contains("'texts'") == true)
            let unknown = try await post(json(#"{"text": "a"}"#))
            #expect((errorOf(unknown)?["message"] as? String)?.contains("text") == true)
        }
    }

    @Test func limitsAreEnforcedAndNamed() async throws {
        let app = try await makeApp(configure: {
            $0.limits.maxBodyBytes = 2000
            $0.limits.maxTextsPerRequest = 3
            $0.limits.maxCharsPerText = 50
        })
        try await app.app.test(.router) { client async throws in
            func post(_ body: String) async throws -> TestResponse {
                try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: json(body))
            }
            let huge = try await post(#"{"texts": ""# + String(repeating: "x", count: 5000) + #""}"#)
            #expect(huge.status == .contentTooLarge)
            #expect(errorOf(huge)?["limit"] as? String == "max_body_bytes")
            let many = try await post(#"{"texts": ["a","b","c","d"]}"#)
            #expect(many.status == .contentTooLarge)
            #expect(errorOf(many)?["limit"] as? String == "max_texts_per_request")
            let long = try await post(#"{"texts": [""# + String(repeating: "y", count: 51) + #""]}"#)
            #expect(long.status == .unprocessableContent)
            #expect(errorOf(long)?["limit"] as? String == "max_chars_per_text")
            // truncate=false refuses texts over the model's max length (16 tokens in the fake).
            let words = Array(repeating: "w", count: 20).joined(separator: " ")
            let noTrunc = try await post(#"{"texts": [""# + words + #""], "truncate": false}"#)
            #expect(noTrunc.status == .unprocessableContent)
            #expect(errorOf(noTrunc)?["limit"] as? String == "max_length")
            let trunc = try await post(#"{"texts": [""# + words + #""]}"#)
            #expect(trunc.status == .ok)
        }
    }

    @Test func timeoutWithoutRulesIs504() async throws {
        let app = try await makeApp(models: ["slow": FakeModel(delay: .milliseconds(400))],
                                    configure: { $0.limits.requestTimeoutMs = 50 })
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models/slow/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts":"x"}"#))
            #expect(r.status == .gatewayTimeout)
            #expect(errorOf(r)?["limit"] as? String == "request_timeout_ms")
        }
    }

    @Test func inferenceErrorWithoutRulesIs500() async throws {
        let app = try await makeApp(models: ["bad": FakeModel(failing: true)])
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models/bad/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts":"x"}"#))
            #expect(r.status == .internalServerError)
            #expect(errorOf(r)?["code"] as? String == "inference_error")
        }
    }

    @Test func requestIDIsEchoedAndInErrors() async throws {
        let app = try await makeApp()
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models/nope/classify", method: .post,
                                             headers: [.contentType: "application/json", .init("X-Request-ID")!: "abc-123"], body: json(#"{"texts":"x"}"#))
            #expect(r.headers[.init("X-Request-ID")!] == "abc-123")
            #expect(errorOf(r)?["request_id"] as? String == "abc-123")
            let bad = try await client.execute(uri: "/health", method: .get, headers: [.init("X-Request-ID")!: "<script>"])
            #expect(bad.headers[.init("X-Request-ID")!] != "<script>")
        }
    }

    @Test func tryItPageIsServed() async throws {
        let app = try await makeApp()
        try await app.app.test(.router) { client async throws in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(decoding: page.body.readableBytesView, as: UTF8.self).contains("/classify"))
        }
    }

    @Test func errorCodesCarryTheirStatusAndHeaders() async throws {
        #expect(APIError(.rateLimited, "x", retryAfter: 3).response(requestID: "r").headers[.retryAfter] == "3")
        #expect(APIError(.overloaded, "x", retryAfter: 0).response(requestID: "r").headers[.retryAfter] == "1")
        #expect(APIError(.modelUnavailable, "x").response(requestID: "r").headers[.retryAfter] == nil)
        #expect(APIError(.unauthorized, "x").response(requestID: "r").headers[.wwwAuthenticate] != nil)
        #expect(APIError.limit(.maxBodyBytes, "x").status == .contentTooLarge)
        #expect(APIError.limit(.maxLength, "x").status == .unprocessableContent)
        #expect(APIError.limit(.requestTimeoutMs, "x").status == .gatewayTimeout)
        #expect(APIError(.reloading, "x").status == .serviceUnavailable)
        // The wire shape is unchanged: code, message, limit, request_id.
        let router = Router(context: SiftRequestContext.self)
        router.add(middleware: ObservationMiddleware(metrics: ServerMetrics()))
        router.get("long") { _, _ -> Response in throw APIError.limit(.maxCharsPerText, "too long") }
        router.get("framework") { _, _ -> Response in throw HTTPError(.badRequest, message: "bad parameter") }
        router.get("crash") { _, _ -> Response in throw CancellationError() }
        try await Application(router: router).test(.router) { client async throws in
            let r = try await client.execute(uri: "/long", method: .get, headers: [.init("X-Request-ID")!: "r-9"])
            #expect(r.status == .unprocessableContent)
            #expect(String(buffer: r.body) == #"{"error":{"code":"limit_exceeded","limit":"max_chars_per_text","message":"too long","request_id":"r-9"}}"#)
            // The framework's own errors and unknown ones come out in the same shape.
            let framework = try await client.execute(uri: "/framework", method: .get)
            #expect(framework.status == .badRequest)
            #expect(errorOf(framework)?["code"] as? String == "bad_request")
            #expect(errorOf(framework)?["message"] as? String == "bad parameter")
            let crash = try await client.execute(uri: "/crash", method: .get)
            #expect(crash.status == .internalServerError)
            #expect(errorOf(crash)?["code"] as? String == "internal_error")
            #expect(errorOf(crash)?["request_id"] as? String == crash.headers[.init("X-Request-ID")!])
        }
    }
}
