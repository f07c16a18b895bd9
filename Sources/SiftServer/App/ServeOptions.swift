import Foundation
import Logging
import SiftInference

/// What `sift serve` was told on its command line, turned into a `ServerConfig`: the config
/// file first (if any), then flags on top. Kept in the library so tests can check the merge and
/// so SIGHUP re-reads models exactly the way start-up did.
public struct ServeOptions: Sendable, Equatable {
    public var configFile: String?
    public var modelFlags: [String] = []
    public var host: String?
    public var port: Int?
    public var apiKeysFile: String?
    public var auditPath: String?
    public var noAudit = false
    public var batching: Bool?
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// The dense layers' precision for every served model (`--precision`).
    public var precision: PrecisionChoice = .fp32
    public var strictPrecision = false

    public init(configFile: String? = nil, modelFlags: [String] = []) {
        self.configFile = configFile
        self.modelFlags = modelFlags
    }

    public func resolve() throws -> ServerConfig {
        var c = try configFile.map { try ServerConfig.load(yamlFile: $0) } ?? ServerConfig()
        c.models = try models(base: c.models)
        if let host { c.host = host }
        if let port { c.port = port }
        if let apiKeysFile { c.auth.apiKeysFile = apiKeysFile }
        if let auditPath { c.audit.path = auditPath }
        if noAudit { c.audit.path = nil }
        if let batching { c.batching.enabled = batching }
        switch (tlsCertificate, tlsKey) {
        case let (cert?, key?): c.tls = .init(certificate: cert, privateKey: key)
        case (nil, nil): break
        default: throw ConfigError("--tls-cert and --tls-key must be given together")
        }
        if c.models.isEmpty { throw ConfigError("no models: pass --model NAME=DIR or a --config file with 'models:'") }
        try c.validate(source: configFile ?? "flags")
        return c
    }

    /// The model table: the file's, with `--model` flags added (a flag overrides a same-named entry).
    public func models(base: [String: ModelSpec]? = nil) throws -> [String: ModelSpec] {
        var models = try base ?? (configFile.map { try ServerConfig.load(yamlFile: $0).models } ?? [:])
        for flag in modelFlags {
            let (name, spec) = try ServerConfig.parseModelFlag(flag)
            models[name] = ModelSpec(path: spec.path, version: models[name]?.version, fallback: models[name]?.fallback)
        }
        return models
    }
}

/// Runs the service the way `sift serve` does, until SIGTERM/SIGINT (graceful: in-flight
/// requests finish) — SIGHUP reloads the models from the same options.
public func runServer(_ opts: ServeOptions, jsonLogs: Bool) async throws {
    if jsonLogs {
        LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
    }
    let config = try opts.resolve()
    let logger = Logger(label: "sift.server")
    let built = try await buildApplication(config, dependencies: ServerDependencies(
        loader: EngineModelLoader(precision: opts.precision, strict: opts.strictPrecision), logger: logger, reloadModels: { try opts.models() }))
    logger.info("serving", metadata: [
        "address": .string("\(config.tls == nil ? "http" : "https")://\(config.host):\(config.port)"),
        "models": .string(built.registry.all.map { "\($0.name)(\($0.isLoaded ? "loaded" : "failed"))" }.joined(separator: ",")),
    ])
    try await built.app.runService()
}
