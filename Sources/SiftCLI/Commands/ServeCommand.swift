import ArgumentParser
import Foundation
import SiftServer

/// `sift serve`: the HTTP service (see docs/server.md). Thin: options -> `ServeOptions.resolve()`
/// -> `buildApplication` -> run until SIGTERM/SIGINT (which drain in-flight requests).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models over HTTP: batched, authenticated, audited, with metrics.",
        discussion: """
        Models come from --model NAME=DIR (repeatable) and/or the 'models:' of --config sift.yaml. \
        SIGHUP re-reads the models without dropping requests. API keys: --api-keys-file or \
        SIFT_API_KEYS='id:key[:model,model];...'.
        """)

    @Option(name: .long, help: "YAML config file (see docs/server.md).")
    var config: String?

    @Option(name: .customLong("model"), help: "NAME=DIR: serve the model folder DIR as NAME (repeatable).")
    var models: [String] = []

    @Option(help: "Address to bind (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port (default 8080; 0 picks a free one).")
    var port: Int?

    @Option(name: .customLong("api-keys-file"), help: "YAML file of hashed API keys.")
    var apiKeysFile: String?

    @Option(help: "Audit log SQLite file (default sift-audit.sqlite).")
    var audit: String?

    @Flag(name: .customLong("no-audit"), help: "Do not keep an audit log.")
    var noAudit = false

    @Flag(inversion: .prefixedNo, help: "Dynamic batching (default on; off serves one request per forward pass).")
    var batching: Bool?

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve HTTPS.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    @OptionGroup var precision: PrecisionOptions

    @Option(name: .customLong("log-format"), help: "json (default) or text.")
    var logFormat: LogFormat = .json

    /// How the server's log lines look on stderr.
    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case json, text }

    func validate() throws {
        do { _ = try options.models() } catch { throw ValidationError("\(error)") }
    }

    var options: ServeOptions {
        var o = ServeOptions(configFile: config, modelFlags: models)
        o.host = host
        o.port = port
        o.apiKeysFile = apiKeysFile
        o.auditPath = audit
        o.noAudit = noAudit
        o.batching = batching
        o.tlsCertificate = tlsCert
        o.tlsKey = tlsKey
        o.precision = precision.precision
        o.strictPrecision = precision.strictPrecision
        return o
    }

    func run() async throws {
        do {
            try await runServer(options, jsonLogs: logFormat == .json)
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
    }
}
