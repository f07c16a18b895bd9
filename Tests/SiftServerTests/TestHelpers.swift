import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import SiftServer

/// Builds an app over fake models with auditing off unless a sink is given.
/// The defaults, but with a request timeout far above any test's own work: the whole suite
/// runs in parallel on two cores, where a 10 s budget was seen to expire (504) in CI. Tests of
/// the timeout set their own.
func testServerConfig() -> ServerConfig {
    var config = ServerConfig()
    config.limits.requestTimeoutMs = 600_000
    return config
}

func makeApp(
    models: [String: FakeModel] = ["retail": FakeModel()],
    configure: (inout ServerConfig) -> Void = { _ in },
    audit: (any AuditSink)? = nil,
    environment: [String: String] = [:]
) async throws -> SiftApplication {
    var config = testServerConfig()
    config.audit.path = nil
    config.auth.apiKeysEnv = "SIFT_TEST_KEYS"
    for name in models.keys { config.models[name] = ModelSpec(path: name) }
    configure(&config)
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return try await buildApplication(config, dependencies: ServerDependencies(
        loader: FakeLoader(models: models), audit: audit, environment: environment, logger: logger))
}

func json(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }

let jsonHeaders: HTTPFields = [.contentType: "application/json"]

func bearer(_ token: String) -> HTTPFields {
    [.contentType: "application/json", .authorization: "Bearer \(token)"]
}

/// The body as a JSON object (nil when it is not one).
func object(_ r: TestResponse) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]
}

func errorOf(_ r: TestResponse) -> [String: Any]? { object(r)?["error"] as? [String: Any] }

func results(_ r: TestResponse) -> [[String: Any]] { object(r)?["results"] as? [[String: Any]] ?? [] }

/// Records audit entries in memory.
actor MemoryAudit: AuditSink {
    var entries: [AuditEntry] = []
    func record(_ entry: AuditEntry) async throws { entries.append(entry) }
}
