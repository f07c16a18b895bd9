import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SiftServer
import SiftTestSupport

@Suite struct ConfigTests {
    @Test func parsesPartialYAMLWithDefaults() throws {
        let c = try ServerConfig.parse(yaml: """
        port: 9000
        limits: {max_texts_per_request: 8}
        batching: {max_wait_ms: 0, enabled: false}
        audit: {texts: redacted, retention_days: 7}
        auth:
          rate_limit: {requests_per_second: 5, burst: 10}
        models:
          retail:
            path: /models/retail
            fallback:
              default_label: other
              below_score: 0.4
              rules:
                - {label: refund, keywords: [refund]}
                - {label: delivery, regex: "parcel"}
        """)
        #expect(c.port == 9000)
        #expect(c.limits.maxTextsPerRequest == 8)
        #expect(c.limits.maxBodyBytes == ServerConfig().limits.maxBodyBytes)
        #expect(c.limits.maxExplainTexts == 4)
        #expect(try ServerConfig.parse(yaml: "limits: {max_explain_texts: 0}").limits.maxExplainTexts == 0)
        #expect(c.batching.enabled == false)
        #expect(c.audit.texts == .redacted)
        #expect(c.audit.path == ServerConfig().audit.path)
        #expect(c.auth.rateLimit == .init(requestsPerSecond: 5, burst: 10))
        #expect(c.models["retail"]?.fallback?.rules.count == 2)
        #expect(c.models["retail"]?.fallback?.belowScore == 0.4)
    }

    @Test func errorsNameTheField() {
        func problem(_ yaml: String) -> String {
            do { _ = try ServerConfig.parse(yaml: yaml, source: "sift.yaml"); return "" } catch { return "\(error)" }
        }
        #expect(problem("limits: {max_body_bytez: 5}").contains("max_body_bytez"))
        #expect(problem("port: eighty").contains("port"))
        #expect(problem("limits: {max_texts_per_request: 0}").contains("limits.max_texts_per_request"))
        #expect(problem("limits: {max_explain_texts: -1}").contains("limits.max_explain_texts"))
        #expect(problem("limits: {max_explain_texts: many}").contains("limits.max_explain_texts"))
        #expect(problem("models: {\"../x\": {path: /m}}").contains("models.../x"))
        #expect(problem("models: {a: {path: /m, fallback: {rules: [{label: x, regex: \"(\"}]}}}").contains("rules[0].regex"))
        #expect(problem("models: {a: {version: 1}}").contains("path"))
        #expect(problem("port: [").contains("sift.yaml"))
    }

    @Test func modelFlags() throws {
        let (name, spec) = try ServerConfig.parseModelFlag("retail=/m/retail")
        #expect(name == "retail" && spec.path == "/m/retail")
        #expect(throws: ConfigError.self) { try ServerConfig.parseModelFlag("retail") }
        #expect(throws: ConfigError.self) { try ServerConfig.parseModelFlag("../x=/m") }
        #expect(throws: ConfigError.self) { try ServerConfig.parseModelFlag("x=") }
    }
}

@Suite struct ReloadAndLiveTests {
    /// A reload swaps the model table while requests are in flight; none of them fails.
    @Test func reloadDoesNotDropRequests() async throws {
        let v1 = FakeModel(delay: .milliseconds(30))
        let v2 = FakeModel(name: "retail", labels: ["billing", "delivery", "refund", "other"])
        let app = try await makeApp(models: ["retail": v1, "v2": v2])
        try await app.app.test(.router) { client async throws in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        if i == 5 { try await app.reload(["retail": ModelSpec(path: "v2")]) }
                        let r = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts":"refund"}"#))
                        return r.status
                    }
                }
                var all: [HTTPResponse.Status] = []
                for try await s in group { all.append(s) }
                return all
            }
            #expect(statuses.allSatisfy { $0 == .ok }, "\(statuses)")
            let list = try await client.execute(uri: "/v1/models", method: .get)
            #expect((object(list)?["models"] as? [[String: Any]])?.first?["labels"] as? [String] == ["billing", "delivery", "refund", "other"])
        }
    }

    /// The real server on a free port (port 0), over TCP.
    @Test func liveServerOnAFreePort() async throws {
        let app = try await makeApp(environment: ["SIFT_TEST_KEYS": "shop:k1"])
        try await app.app.test(.live) { client async throws in
            #expect(client.port != nil && client.port != 0)
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            let denied = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts":"refund"}"#))
            #expect(denied.status == .unauthorized)
            let r = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: bearer("k1"), body: json(#"{"texts":["refund","billing"]}"#))
            #expect(r.status == .ok)
            #expect(results(r).map { $0["label"] as? String } == ["refund", "billing"])
            let big = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: bearer("k1"),
                                               body: json(#"{"texts":""# + String(repeating: "x", count: 2 << 20) + #""}"#))
            #expect(big.status == .contentTooLarge)
        }
    }
}

@Suite struct ServeOptionsAndTLSTests {
    @Test func configFileThenFlags() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("sift.yaml")
        try """
        port: 9000
        models:
          retail:
            path: /old/retail
            version: "7"
            fallback: {rules: [{label: refund, keywords: [refund]}]}
        """.write(to: file, atomically: true, encoding: .utf8)
        var o = ServeOptions(configFile: file.path, modelFlags: ["retail=/new/retail", "fin=/m/fin"])
        o.port = 0
        o.noAudit = true
        let c = try o.resolve()
        #expect(c.port == 0)
        #expect(c.audit.path == nil)
        #expect(c.models["retail"] == ModelSpec(path: "/new/retail", version: "7",
                                                fallback: RuleSetSpec(rules: [RuleSpec(label: "refund", keywords: ["refund"])])))
        #expect(c.models["fin"]?.path == "/m/fin")
        #expect(throws: ConfigError.self) { try ServeOptions().resolve() }  // no models
        var half = ServeOptions(modelFlags: ["a=/m"])
        half.tlsCertificate = "cert.pem"
        #expect(throws: ConfigError.self) { try half.resolve() }
        #expect(throws: ConfigError.self) { try ServeOptions(configFile: dir.appendingPathComponent("none.yaml").path).resolve() }
    }

    /// HTTPS when given a certificate and key (self-signed fixture; the test client skips verification).
    @Test func servesHTTPS() async throws {
        let app = try await makeApp(configure: {
            $0.tls = .init(certificate: TestPaths.fixture("server/tls-cert.pem").path,
                           privateKey: TestPaths.fixture("server/tls-key.pem").path)
        })
        try await app.app.test(.ahc(.https)) { client async throws in
            let r = try await client.execute(uri: "/v1/models/retail/classify", method: .post, headers: jsonHeaders, body: json(#"{"texts":"refund"}"#))
            #expect(r.status == .ok)
            #expect(results(r).first?["label"] as? String == "refund")
        }
        await #expect(throws: ConfigError.self) {
            _ = try await makeApp(configure: { $0.tls = .init(certificate: "/nonexistent.pem", privateKey: "/nonexistent.key") })
        }
    }
}
