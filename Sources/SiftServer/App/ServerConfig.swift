import Foundation
import Yams

/// Everything `sift serve` can be told, from `--config sift.yaml` and/or flags.
/// Keys in the YAML file are snake_case; every field has a default so a file may set only a few.
public struct ServerConfig: Sendable, Codable, Equatable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    public var limits = Limits()
    public var batching = Batching()
    public var auth = Auth()
    public var audit = Audit()
    public var tls: TLS? = nil
    /// Served models by name.
    public var models: [String: ModelSpec] = [:]

    public init() {}

    public struct Limits: Sendable, Codable, Equatable {
        public var maxBodyBytes: Int = 1 << 20
        public var maxTextsPerRequest: Int = 64
        public var maxCharsPerText: Int = 20_000
        public var requestTimeoutMs: Int = 10_000
        /// Texts a classify request with `explain: true` may hold: each explanation costs about
        /// `explain_steps` forward and backward passes (or one forward per word). 0 turns explanations off.
        public var maxExplainTexts: Int = 4
        public init() {}
        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxBodyBytes = "max_body_bytes", maxTextsPerRequest = "max_texts_per_request"
            case maxCharsPerText = "max_chars_per_text", requestTimeoutMs = "request_timeout_ms"
            case maxExplainTexts = "max_explain_texts"
        }
    }

    public struct Batching: Sendable, Codable, Equatable {
        /// Off means one request per forward pass (the baseline the load benchmark compares against).
        public var enabled: Bool = true
        public var maxBatchTokens: Int = 8192
        public var maxBatchTexts: Int = 64
        public var maxWaitMs: Int = 2
        /// Texts waiting per model beyond which requests are refused with 503 + Retry-After.
        public var maxQueueTexts: Int = 1024
        public init() {}
        enum CodingKeys: String, CodingKey, CaseIterable {
            case enabled, maxBatchTokens = "max_batch_tokens", maxBatchTexts = "max_batch_texts"
            case maxWaitMs = "max_wait_ms", maxQueueTexts = "max_queue_texts"
        }
    }

    public struct Auth: Sendable, Codable, Equatable {
        /// YAML file of `{id, sha256, models}` entries (see docs/server.md).
        public var apiKeysFile: String? = nil
        /// Environment variable holding `id:key[:model,model]` entries separated by `;` (plain keys, hashed on load).
        public var apiKeysEnv: String? = "SIFT_API_KEYS"
        public var jwt: JWT? = nil
        public var rateLimit: RateLimit? = nil
        public init() {}
        enum CodingKeys: String, CodingKey, CaseIterable {
            case apiKeysFile = "api_keys_file", apiKeysEnv = "api_keys_env", jwt, rateLimit = "rate_limit"
        }
    }

    public struct JWT: Sendable, Codable, Equatable {
        public var hs256SecretFile: String? = nil
        public var rs256PublicKeyFile: String? = nil
        public init() {}
        enum CodingKeys: String, CodingKey, CaseIterable {
            case hs256SecretFile = "hs256_secret_file", rs256PublicKeyFile = "rs256_public_key_file"
        }
    }

    public struct RateLimit: Sendable, Codable, Equatable {
        public var requestsPerSecond: Double = 50
        public var burst: Double = 100
        public init(requestsPerSecond: Double = 50, burst: Double = 100) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst
        }
        enum CodingKeys: String, CodingKey, CaseIterable { case requestsPerSecond = "requests_per_second", burst }
    }

    public struct Audit: Sendable, Codable, Equatable {
        /// SQLite file; nil disables the audit log.
        public var path: String? = "sift-audit.sqlite"
        public var texts: TextPolicy = .hash
        public var retentionDays: Double = 30
        public init() {}
        enum CodingKeys: String, CodingKey, CaseIterable { case path, texts, retentionDays = "retention_days" }
    }

    public struct TLS: Sendable, Codable, Equatable {
        public var certificate: String
        public var privateKey: String
        public init(certificate: String, privateKey: String) {
            self.certificate = certificate
            self.privateKey = privateKey
        }
        enum CodingKeys: String, CodingKey, CaseIterable { case certificate, privateKey = "private_key" }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case host, port, limits, batching, auth, audit, tls, models }
}

/// How the audit log keeps request texts.
public enum TextPolicy: String, Sendable, Codable, Equatable {
    case none, hash, redacted
}

/// One served model: where its folder is, and its optional rule-based fallback.
public struct ModelSpec: Sendable, Codable, Equatable {
    public var path: String
    /// Shown in responses; defaults to a digest of the folder's weights when empty.
    public var version: String? = nil
    public var fallback: RuleSetSpec? = nil

    public init(path: String, version: String? = nil, fallback: RuleSetSpec? = nil) {
        self.path = path
        self.version = version
        self.fallback = fallback
    }
    enum CodingKeys: String, CodingKey, CaseIterable { case path, version, fallback }
}

/// Ordered keyword / regular-expression rules; the first match answers.
public struct RuleSetSpec: Sendable, Codable, Equatable {
    public var rules: [RuleSpec]
    /// Label when no rule matches; nil answers with no label.
    public var defaultLabel: String? = nil
    /// When set, a model answer whose top score is below it is replaced by the rules' answer.
    public var belowScore: Double? = nil

    public init(rules: [RuleSpec], defaultLabel: String? = nil, belowScore: Double? = nil) {
        self.rules = rules
        self.defaultLabel = defaultLabel
        self.belowScore = belowScore
    }
    enum CodingKeys: String, CodingKey, CaseIterable { case rules, defaultLabel = "default_label", belowScore = "below_score" }
}

public struct RuleSpec: Sendable, Codable, Equatable {
    public var label: String
    /// Any of these words (case-insensitive, whole words) matches.
    public var keywords: [String]? = nil
    /// Or this regular expression (case-insensitive) matches.
    public var regex: String? = nil

    public init(label: String, keywords: [String]? = nil, regex: String? = nil) {
        self.label = label
        self.keywords = keywords
        self.regex = regex
    }
    enum CodingKeys: String, CodingKey, CaseIterable { case label, keywords, regex }
}

/// A configuration problem, naming the file and the field.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension ServerConfig {
    /// Reads a YAML config file; errors name the file and what is wrong in it.
    public static func load(yamlFile path: String) throws -> ServerConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError("\(path): cannot read config file (\(error.localizedDescription))")
        }
        return try parse(yaml: text, source: path)
    }

    public static func parse(yaml text: String, source: String = "config") throws -> ServerConfig {
        do {
            let config = try YAMLDecoder().decode(ServerConfig.self, from: text)
            try config.validate(source: source)
            return config
        } catch let error as ConfigError {
            throw error
        } catch let DecodingError.typeMismatch(type, ctx) {
            throw ConfigError("\(source): field '\(ctx.codingPath.dotted)' should be \(type)")
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw ConfigError("\(source): missing field '\((ctx.codingPath + [key]).dotted)'")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw ConfigError("\(source): field '\(ctx.codingPath.dotted)' has no value")
        } catch let DecodingError.dataCorrupted(ctx) where ctx.codingPath.isEmpty && ctx.underlyingError is YamlError {
            // Yams wraps its syntax errors; their description starts with LINE:COLUMN.
            throw ConfigError("\(source):\(ctx.underlyingError.map { "\($0)" } ?? "")")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw ConfigError("\(source): field '\(ctx.codingPath.dotted)': \(ctx.debugDescription)")
        } catch {
            throw ConfigError("\(source): not valid YAML: \(error)")
        }
    }

    /// Cross-field checks; every message names the field.
    public func validate(source: String = "config") throws {
        for name in models.keys.sorted() {
            if let problem = ModelName.problem(with: name) {
                throw ConfigError("\(source): models.\(name): \(problem)")
            }
            if let fb = models[name]?.fallback {
                for (i, rule) in fb.rules.enumerated() {
                    if rule.keywords == nil && rule.regex == nil {
                        throw ConfigError("\(source): models.\(name).fallback.rules[\(i)]: needs 'keywords' or 'regex'")
                    }
                    if let rx = rule.regex {
                        do { _ = try NSRegularExpression(pattern: rx) } catch {
                            throw ConfigError("\(source): models.\(name).fallback.rules[\(i)].regex: invalid regular expression")
                        }
                    }
                }
            }
        }
        let positive: [(String, Int)] = [
            ("limits.max_body_bytes", limits.maxBodyBytes), ("limits.max_texts_per_request", limits.maxTextsPerRequest),
            ("limits.max_chars_per_text", limits.maxCharsPerText), ("limits.request_timeout_ms", limits.requestTimeoutMs),
            ("batching.max_batch_tokens", batching.maxBatchTokens), ("batching.max_batch_texts", batching.maxBatchTexts),
            ("batching.max_queue_texts", batching.maxQueueTexts),
        ]
        for (field, value) in positive where value <= 0 {
            throw ConfigError("\(source): \(field) must be positive (got \(value))")
        }
        if batching.maxWaitMs < 0 { throw ConfigError("\(source): batching.max_wait_ms must not be negative") }
        if limits.maxExplainTexts < 0 {
            throw ConfigError("\(source): limits.max_explain_texts must not be negative (got \(limits.maxExplainTexts); 0 turns explanations off)")
        }
        if port < 0 || port > 65535 { throw ConfigError("\(source): port must be 0...65535 (got \(port))") }
        if let rl = auth.rateLimit, rl.requestsPerSecond <= 0 || rl.burst < 1 {
            throw ConfigError("\(source): auth.rate_limit needs requests_per_second > 0 and burst >= 1")
        }
    }

    /// Parses `name=DIR` from `--model`, validating the name.
    public static func parseModelFlag(_ flag: String) throws -> (String, ModelSpec) {
        guard let eq = flag.firstIndex(of: "=") else {
            throw ConfigError("--model \(flag): expected NAME=DIR")
        }
        let name = String(flag[..<eq])
        let dir = String(flag[flag.index(after: eq)...])
        if let problem = ModelName.problem(with: name) { throw ConfigError("--model \(flag): \(problem)") }
        if dir.isEmpty { throw ConfigError("--model \(flag): empty directory") }
        return (name, ModelSpec(path: dir))
    }
}

extension Array where Element == any CodingKey {
    /// `models.a.fallback.rules[0].regex`.
    var dotted: String {
        var s = ""
        for k in self {
            if let i = k.intValue { s += "[\(i)]" } else { s += s.isEmpty ? k.stringValue : "." + k.stringValue }
        }
        return s
    }
}
