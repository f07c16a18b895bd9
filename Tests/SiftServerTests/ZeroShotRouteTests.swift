import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SiftInference
import SiftTestSupport
import Testing
@testable import SiftServer

/// `POST /v1/models/{name}/zero-shot` on the tiny NLI model, against the scores Hugging Face's
/// zero-shot pipeline gave (Tests/Fixtures/fewshot/zero_shot.json), and its refusals.
@Suite struct ZeroShotRouteTests {
    func app(_ models: [String: String], audit: (any AuditSink)? = nil) async throws -> SiftApplication {
        var config = testServerConfig()
        config.audit.path = nil
        config.auth.apiKeysEnv = nil
        for (name, path) in models { config.models[name] = ModelSpec(path: TestPaths.fixture(path).path, version: "t1") }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try await buildApplication(config, dependencies: .init(loader: EngineModelLoader(), audit: audit, logger: logger))
    }

    func post(_ client: some TestClientProtocol, _ model: String, _ body: [String: Any]) async throws -> TestResponse {
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await client.execute(uri: "/v1/models/\(model)/zero-shot", method: .post, headers: jsonHeaders, body: ByteBuffer(bytes: data))
    }

    @Test func scoresEqualThePipelineInBothModes() async throws {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("fewshot/zero_shot.json"))) as? [String: Any])
        nonisolated(unsafe) let cases = (doc["cases"] as! [[String: Any]]).filter { $0["model"] as? String == "nli-entail-last" }
        #expect(cases.count >= 3)
        let app = try await app(["nli": "fewshot/nli-entail-last"])
        try await app.app.test(.router) { client in
            for c in cases {
                let r = try await post(client, "nli", ["texts": c["sequences"]!, "labels": c["candidate_labels"]!,
                                                       "hypothesis_template": c["hypothesis_template"]!, "multi_label": c["multi_label"]!])
                #expect(r.status == .ok)
                #expect(object(r)?["method"] as? String == "nli")
                #expect(r.headers[.init("x-sift-inference-ms")!] != nil)
                for (g, w) in zip(results(r), c["results"] as! [[String: Any]]) {
                    #expect(g["labels"] as? [String] == w["labels"] as? [String])
                    for (a, b) in zip(g["scores"] as! [Double], (w["scores"] as! [NSNumber]).map(\.doubleValue)) {
                        #expect(abs(a - b) < 1e-5)
                    }
                }
            }
            // Labels as one comma-separated string, as the pipeline takes them.
            let r = try await post(client, "nli", ["texts": "he was at school", "labels": "school, city"])
            #expect(r.status == .ok && (results(r).first?["labels"] as? [String])?.sorted() == ["city", "school"])
        }
    }

    @Test func embeddingModelsAnswerBySimilarity() async throws {
        let app = try await app(["emb": "tiny-bert/base"])
        try await app.app.test(.router) { client in
            let r = try await post(client, "emb", ["texts": ["he was at school", "the city"], "labels": ["school", "city", "world"]])
            #expect(r.status == .ok)
            #expect(object(r)?["method"] as? String == "embedding")
            #expect(results(r).count == 2)
            let s = results(r).first?["scores"] as? [Double] ?? []
            #expect(abs(s.reduce(0, +) - 1) < 1e-5 && s == s.sorted(by: >))
        }
    }

    @Test func badRequestsAreRefusedWithTheReason() async throws {
        let app = try await app(["nli": "fewshot/nli-entail-last", "sentiment": "tiny-bert/single-label", "multi": "tiny-bert/multi-label"])
        try await app.app.test(.router) { client in
            func expectError(_ model: String, _ body: [String: Any], _ status: HTTPResponse.Status, _ code: String, _ words: String) async throws {
                let r = try await post(client, model, body)
                #expect(r.status == status, "\(body)")
                #expect(errorOf(r)?["code"] as? String == code)
                let message = errorOf(r)?["message"] as? String ?? ""
                #expect(message.contains(words), "'\(message)' lacks '\(words)'")
            }
            try await expectError("nli", ["texts": "x", "labels": ["a", "a"]], .unprocessableContent, "invalid_request", "given twice")
            try await expectError("nli", ["texts": "x", "labels": []], .unprocessableContent, "invalid_request", "at least one label")
            try await expectError("nli", ["texts": "x", "labels": ["a", "b"], "hypothesis_template": "no slot"], .unprocessableContent,
                                  "invalid_request", "{}")
            try await expectError("nli", ["texts": "x", "labels": ["a"], "multi": true], .unprocessableContent, "invalid_request", "multi")
            try await expectError("sentiment", ["texts": "x", "labels": ["a", "b"]], .unprocessableContent, "unsupported_task", "entail")
            try await expectError("multi", ["texts": "x", "labels": ["a", "b"]], .unprocessableContent, "unsupported_task", "single-label")
            try await expectError("nli", ["texts": ["ok", " "], "labels": ["a", "b"]], .unprocessableContent, "invalid_request", "texts[1] is empty")
            // Malformed and huge fields.
            try await expectError("nli", ["texts": "x", "labels": 7], .unprocessableContent, "invalid_request", "comma-separated string")
            try await expectError("nli", ["texts": "x", "labels": ["a", "b"], "hypothesis_template": 3], .unprocessableContent,
                                  "invalid_request", "must be a string")
            try await expectError("nli", ["texts": "x", "labels": ["a", "b"], "multi_label": "yes"], .unprocessableContent,
                                  "invalid_request", "true or false")
            let huge = String(repeating: "x", count: 20_001)
            try await expectError("nli", ["texts": "x", "labels": ["a", huge]], .unprocessableContent, "limit_exceeded", "labels[1]")
            try await expectError("nli", ["texts": "x", "labels": ["a", "b"], "hypothesis_template": huge + " {}"], .unprocessableContent,
                                  "limit_exceeded", "hypothesis_template")
            let many = (0..<40).map { "label \($0)" }
            try await expectError("nli", ["texts": Array(repeating: "x", count: 40), "labels": many], .contentTooLarge, "limit_exceeded", "sequences")
        }
    }

    @Test func answersAndRefusalsAreAudited() async throws {
        let audit = MemoryAudit()
        let app = try await app(["nli": "fewshot/nli-entail-last"], audit: audit)
        try await app.app.test(.router) { client in
            let ok = try await post(client, "nli", ["texts": ["he was at school", "the city"], "labels": ["school", "city"]])
            #expect(ok.status == .ok)
            let refused = try await post(client, "nli", ["texts": "x", "labels": ["a", "a"]])
            #expect(refused.status == .unprocessableContent)
        }
        let entries = await audit.entries
        #expect(entries.map(\.endpoint) == ["zero-shot", "zero-shot"])
        #expect(entries.map(\.status) == [200, 422])
        #expect(entries[0].texts.count == 2 && entries[0].labels.count == 2 && entries[0].labels.allSatisfy { $0 != nil })
    }
}
