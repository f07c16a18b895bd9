import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import SiftData
import UnixSignals

/// What the application is built from besides its config: the pieces tests replace.
public struct ServerDependencies: Sendable {
    /// Turns a `ModelSpec` into a model (the engine adapter in production, fakes in tests).
    public var loader: any ModelLoader
    /// Overrides the SQLite audit log the config describes (nil: use the config).
    public var audit: (any AuditSink)?
    public var redactor: (any TextRedacting)?
    /// Where `SIFT_API_KEYS` and friends are read from.
    public var environment: [String: String]
    public var logger: Logger
    /// Re-reads the model table on SIGHUP (the CLI passes a closure re-reading `--config`).
    public var reloadModels: (@Sendable () async throws -> [String: ModelSpec])?
    /// Told the bound port once the server listens (port 0 picks a free one).
    public var onServerRunning: (@Sendable (Int) async -> Void)?

    public init(loader: any ModelLoader, audit: (any AuditSink)? = nil, redactor: (any TextRedacting)? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger = Logger(label: "sift.server"),
                reloadModels: (@Sendable () async throws -> [String: ModelSpec])? = nil,
                onServerRunning: (@Sendable (Int) async -> Void)? = nil) {
        self.loader = loader
        self.audit = audit
        self.redactor = redactor
        self.environment = environment
        self.logger = logger
        self.reloadModels = reloadModels
        self.onServerRunning = onServerRunning
    }
}

/// The built server: the Hummingbird application plus the handles tests and the CLI need.
public struct SiftApplication: Sendable {
    public let app: Application<RouterResponder<SiftRequestContext>>
    public let registry: ModelRegistry
    public let metrics: ServerMetrics
    public let auditLog: SQLiteAuditLog?
    /// "METHOD /path" of every route (captures as `{name}`), checked against the document.
    let routes: [String]
    let loader: any ModelLoader
    let batching: DynamicBatcher.Options
    let logger: Logger

    /// Loads `specs` into a fresh table and swaps it in. Requests already holding a model finish
    /// on the old one; the old batchers drain their queues and stop.
    public func reload(_ specs: [String: ModelSpec]) async throws {
        let table = try await ModelRegistry.load(specs: specs, loader: loader, batching: batching, observer: metrics)
        for m in table.values { metrics.modelLoaded(m.name, m.isLoaded) }
        let old = registry.replace(with: table)
        for m in old.values { await m.batcher?.drainAndStop() }
        logger.info("models reloaded", metadata: ["models": .string(table.keys.sorted().joined(separator: ","))])
    }
}

/// Builds the whole service from a config: models (with batchers and fallback rules), auth,
/// audit log, metrics, routes. Tests call this in-process; `sift serve` runs what it returns.
public func buildApplication(_ config: ServerConfig, dependencies deps: ServerDependencies) async throws -> SiftApplication {
    try config.validate()
    let metrics = ServerMetrics()
    let batching = DynamicBatcher.Options(config.batching)
    let registry = ModelRegistry(try await ModelRegistry.load(
        specs: config.models, loader: deps.loader, batching: batching, observer: metrics))
    for m in registry.all {
        metrics.modelLoaded(m.name, m.isLoaded)
        if case .failed(let why) = m.state {
            deps.logger.error("model failed to load", metadata: ["model": .string(m.name), "error": .string(why)])
        }
    }

    // Security.
    var keys = APIKeyStore()
    if let file = config.auth.apiKeysFile { keys.merge(try APIKeyStore.load(file: file)) }
    if let env = config.auth.apiKeysEnv, let value = deps.environment[env], !value.isEmpty {
        keys.merge(try APIKeyStore.parse(environmentValue: value, source: "$\(env)"))
    }
    var jwt: JWTAuthenticator? = nil
    if let jc = config.auth.jwt { jwt = try await JWTAuthenticator.load(jc) }
    let limiter = config.auth.rateLimit.map { RateLimiter(rate: $0.requestsPerSecond, burst: $0.burst) }
    let auth = AuthMiddleware(keys: keys, jwt: jwt, limiter: limiter)

    // Audit.
    var sqlite: SQLiteAuditLog? = nil
    if deps.audit == nil, let path = config.audit.path {
        let redactor: any TextRedacting = try deps.redactor ?? Redactor()
        sqlite = try SQLiteAuditLog(path: path, policy: config.audit.texts, redactor: redactor)
    }
    let audit: (any AuditSink)? = deps.audit ?? sqlite

    // Routes.
    let router = Router(context: SiftRequestContext.self)
    router.add(middleware: ObservationMiddleware(metrics: metrics))
    let health = HealthController(registry: registry, metrics: metrics)
    router.get("health", use: health.health)
    router.get("", use: health.index)
    let secured = router.group().add(middleware: auth)
    secured.get("ready", use: health.ready)
    secured.get("metrics", use: health.metricsText)
    secured.get("openapi.json", use: health.openAPI)
    let inference = Inference(timeout: .milliseconds(config.limits.requestTimeoutMs), metrics: metrics)
    ModelsController(registry: registry, limits: config.limits, inference: inference, audit: audit)
        .addRoutes(to: secured.group("v1"))
    let routes = router.routes.map { "\($0.method) \($0.path)" }

    let server: HTTPServerBuilder
    if let tls = config.tls {
        server = try .tls(.http1(), tlsConfiguration: try makeTLS(tls))
    } else {
        server = .http1()
    }
    let onRunning = deps.onServerRunning
    var app = Application(
        router: router, server: server,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "sift"),
        onServerRunning: { channel in await onRunning?(channel.localAddress?.port ?? 0) },
        logger: deps.logger)

    let built = SiftApplication(app: app, registry: registry, metrics: metrics, auditLog: sqlite, routes: routes,
                                loader: deps.loader, batching: batching, logger: deps.logger)
    if let sqlite {
        app.addServices(RetentionService(log: sqlite, days: config.audit.retentionDays, logger: deps.logger))
    }
    if let reloadModels = deps.reloadModels {
        app.addServices(ReloadOnHangup(app: built, specs: reloadModels))
    }
    return SiftApplication(app: app, registry: registry, metrics: metrics, auditLog: sqlite, routes: routes,
                           loader: deps.loader, batching: batching, logger: deps.logger)
}

func makeTLS(_ tls: ServerConfig.TLS) throws -> TLSConfiguration {
    do {
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tls.privateKey, format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
    } catch {
        throw ConfigError("tls: cannot load certificate '\(tls.certificate)' / key '\(tls.privateKey)': \(error)")
    }
}

/// Deletes audit rows older than the retention period at start and then hourly.
struct RetentionService: Service {
    let log: SQLiteAuditLog
    let days: Double
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let n = try await log.prune(olderThanDays: days)
                    if n > 0 { logger.info("audit retention", metadata: ["deleted": .stringConvertible(n)]) }
                } catch {
                    logger.error("audit retention failed", metadata: ["error": .string("\(error)")])
                }
                try await Task.sleep(for: .seconds(3600))
            }
        }
    }
}

/// SIGHUP re-reads the model table and swaps it in without stopping the server.
struct ReloadOnHangup: Service {
    let app: SiftApplication
    let specs: @Sendable () async throws -> [String: ModelSpec]

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                do {
                    try await app.reload(try await specs())
                } catch {
                    app.logger.error("reload failed; keeping the current models", metadata: ["error": .string("\(error)")])
                }
            }
        }
    }
}
