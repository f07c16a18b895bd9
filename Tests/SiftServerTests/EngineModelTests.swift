import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SiftInference
import SiftTestSupport
import Testing
@testable import SiftServer

/// The real adapter over SiftEngine, on the tiny random BERTs whose expected logits come from
/// PyTorch (Tests/Fixtures/tiny-bert/*/expected.json, made by scripts/fixtures/make_engine_fixtures.py).
@Suite struct EngineModelTests {
    struct Expected: Decodable {
        var texts: [String]
        var input_ids: [[Int]]
        var token_type_ids: [[Int]]
        var logits: [[Float]]?
    }

    func expected(_ variant: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: TestPaths.fixture("tiny-bert/\(variant)/expected.json")))
    }

    /// Texts the fixture encoded as single sequences (the pair example is skipped: the API takes single texts).
    func singles(_ e: Expected) -> [Int] {
        e.token_type_ids.indices.filter { e.token_type_ids[$0].allSatisfy { $0 == 0 } }
    }

    func app(_ variant: String, batching: Bool = true) async throws -> SiftApplication {
        var config = testServerConfig()
        config.audit.path = nil
        config.auth.apiKeysEnv = nil
        config.batching.enabled = batching
        config.models["tiny"] = ModelSpec(path: TestPaths.fixture("tiny-bert/\(variant)").path, version: "t1")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try await buildApplication(config, dependencies: .init(loader: EngineModelLoader(), logger: logger))
    }

    @Test(arguments: ["single-label", "multi-label", "regression"])
    func logitsThroughTheAPIMatchPyTorch(_ variant: String) async throws {
        let e = try expected(variant)
        let idx = singles(e)
        #expect(idx.count >= 2)
        let app = try await app(variant)
        let model = try #require(app.registry.model(named: "tiny")?.batcher?.model)
        // Tokenized once into the Hugging Face ids; nothing was cut, so the untruncated length is the same.
        for i in idx {
            let enc = model.encode([e.texts[i]])[0]
            #expect(enc.ids == e.input_ids[i].map(Int32.init))
            #expect(enc.fullLength == e.input_ids[i].count)
        }
        let body = try JSONSerialization.data(withJSONObject: ["texts": idx.map { e.texts[$0] }, "raw_scores": true])
        try await app.app.test(.router) { client async throws in
            let r = try await client.execute(uri: "/v1/models/tiny/classify", method: .post, headers: jsonHeaders, body: ByteBuffer(bytes: body))
            #expect(r.status == .ok)
            #expect(object(r)?["version"] as? String == "t1")
            let rs = results(r)
            #expect(rs.count == idx.count)
            let labels = model.info.labels
            var maxDiff: Float = 0
            for (k, i) in idx.enumerated() {
                let logits = try #require(rs[k]["logits"] as? [String: Double])
                let want = try #require(e.logits?[i])
                for (j, label) in labels.enumerated() {
                    let got = Float(logits[label] ?? .nan)
                    let diff = abs(got - want[j])
                    maxDiff = max(maxDiff, diff)
                    #expect(diff <= 1e-5 + 1e-4 * abs(want[j]), "text \(i) label \(label): got \(got), want \(want[j])")
                }
                #expect(rs[k]["answered_by"] as? String == "model")
            }
            print("tiny-bert \(variant): max |logit diff| = \(maxDiff)")
        }
    }

    @Test func batchedAndUnbatchedConcurrentRequestsAgree() async throws {
        let e = try expected("single-label")
        let texts = singles(e).map { e.texts[$0] } + ["a b c", "", "the the the the the"]
        func run(_ batching: Bool) async throws -> [[String: Double]] {
            let app = try await app("single-label", batching: batching)
            return try await app.app.test(.router) { client async throws in
                try await withThrowingTaskGroup(of: (Int, [String: Double]).self) { group in
                    for (i, t) in texts.enumerated() {
                        group.addTask {
                            let body = try JSONSerialization.data(withJSONObject: ["texts": [t]])
                            let r = try await client.execute(uri: "/v1/models/tiny/classify", method: .post, headers: jsonHeaders, body: ByteBuffer(bytes: body))
                            return (i, results(r).first?["scores"] as? [String: Double] ?? [:])
                        }
                    }
                    var out = Array(repeating: [String: Double](), count: texts.count)
                    for try await (i, s) in group { out[i] = s }
                    return out
                }
            }
        }
        let batched = try await run(true)
        let single = try await run(false)
        for (a, b) in zip(batched, single) {
            #expect(a.count == 3)
            for (k, v) in a { #expect(abs(v - (b[k] ?? .nan)) <= 1e-5 + 1e-4 * abs(v), "\(k)") }
        }
    }

    @Test func headlessModelEmbedsButRefusesClassify() async throws {
        let app = try await app("base")
        try await app.app.test(.router) { client async throws in
            let list = try await client.execute(uri: "/v1/models", method: .get)
            #expect((object(list)?["models"] as? [[String: Any]])?.first?["task"] as? String == "embedding")
            let c = try await client.execute(uri: "/v1/models/tiny/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts":"it"}"#))
            #expect(c.status == .unprocessableContent)
            #expect(errorOf(c)?["code"] as? String == "unsupported_task")
            let r = try await client.execute(uri: "/v1/models/tiny/embed", method: .post, headers: jsonHeaders, body: json(#"{"texts":["it","the first of them"]}"#))
            #expect(r.status == .ok)
            let emb = try #require(object(r)?["embeddings"] as? [[Double]])
            #expect(emb.count == 2 && emb[0].count == 32)
            for v in emb { #expect(abs(sqrt(v.reduce(0) { $0 + $1 * $1 }) - 1) < 1e-4) }  // L2-normalized
        }
    }

    /// A text over the model's length: cut by default, refused with `truncate: false`, from one encoding.
    @Test func longTextIsTruncatedOrRefused() async throws {
        let app = try await app("single-label")
        let model = try #require(app.registry.model(named: "tiny")?.batcher?.model)
        let max = model.info.maxLength
        let long = Array(repeating: "the first of them", count: 40).joined(separator: " ")
        let enc = model.encode([long])[0]
        #expect(enc.ids.count == max && enc.fullLength > max)
        try await app.app.test(.router) { client async throws in
            let cut = try await client.execute(uri: "/v1/models/tiny/classify", method: .post, headers: jsonHeaders,
                                               body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["texts": [long]])))
            #expect(cut.status == .ok)
            let refused = try await client.execute(uri: "/v1/models/tiny/classify", method: .post, headers: jsonHeaders,
                                                   body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["texts": [long], "truncate": false])))
            #expect(refused.status == .unprocessableContent)
            #expect((errorOf(refused)?["message"] as? String)?.contains("is \(enc.fullLength) tokens; the model takes \(max)") == true)
        }
    }

    @Test func missingFolderFailsToLoadWithAReason() async throws {
        var config = testServerConfig()
        config.audit.path = nil
        config.models["gone"] = ModelSpec(path: "/nonexistent/model")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = try await buildApplication(config, dependencies: .init(loader: EngineModelLoader(), logger: logger))
        let served = try #require(app.registry.model(named: "gone"))
        #expect(!served.isLoaded)
        if case .failed(let why) = served.state { #expect(why.contains("/nonexistent/model")) }
    }
}
