import Foundation

// Hand-written decoders: synthesized Codable would demand every key, and a config file should
// be able to set only what it changes. Unknown keys are rejected so a typo is not silently ignored.

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
}

extension Decoder {
    /// Throws when the mapping holds a key that `Keys` does not name.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        let known = Set(Keys.allCases.map(\.stringValue))
        let container = try container(keyedBy: AnyKey.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !known.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [key],
                debugDescription: "unknown key (known: \(known.sorted().joined(separator: ", ")))"))
        }
    }
}

extension KeyedDecodingContainer {
    func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}


extension ServerConfig {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ServerConfig.defaults
        self.init()
        host = try c.value(.host, or: d.host)
        port = try c.value(.port, or: d.port)
        limits = try c.value(.limits, or: d.limits)
        batching = try c.value(.batching, or: d.batching)
        auth = try c.value(.auth, or: d.auth)
        audit = try c.value(.audit, or: d.audit)
        tls = try c.decodeIfPresent(TLS.self, forKey: .tls)
        models = try c.value(.models, or: d.models)
    }
    static let defaults = ServerConfig()
}

extension ServerConfig.Limits {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        maxBodyBytes = try c.value(.maxBodyBytes, or: maxBodyBytes)
        maxTextsPerRequest = try c.value(.maxTextsPerRequest, or: maxTextsPerRequest)
        maxCharsPerText = try c.value(.maxCharsPerText, or: maxCharsPerText)
        requestTimeoutMs = try c.value(.requestTimeoutMs, or: requestTimeoutMs)
        maxExplainTexts = try c.value(.maxExplainTexts, or: maxExplainTexts)
    }
}

extension ServerConfig.Batching {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        enabled = try c.value(.enabled, or: enabled)
        maxBatchTokens = try c.value(.maxBatchTokens, or: maxBatchTokens)
        maxBatchTexts = try c.value(.maxBatchTexts, or: maxBatchTexts)
        maxWaitMs = try c.value(.maxWaitMs, or: maxWaitMs)
        maxQueueTexts = try c.value(.maxQueueTexts, or: maxQueueTexts)
    }
}

extension ServerConfig.Auth {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        apiKeysFile = try c.decodeIfPresent(String.self, forKey: .apiKeysFile)
        apiKeysEnv = try c.value(.apiKeysEnv, or: apiKeysEnv)
        jwt = try c.decodeIfPresent(ServerConfig.JWT.self, forKey: .jwt)
        rateLimit = try c.decodeIfPresent(ServerConfig.RateLimit.self, forKey: .rateLimit)
    }
}

extension ServerConfig.JWT {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        hs256SecretFile = try c.decodeIfPresent(String.self, forKey: .hs256SecretFile)
        rs256PublicKeyFile = try c.decodeIfPresent(String.self, forKey: .rs256PublicKeyFile)
    }
}

extension ServerConfig.RateLimit {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        requestsPerSecond = try c.value(.requestsPerSecond, or: requestsPerSecond)
        burst = try c.value(.burst, or: burst)
    }
}

extension ServerConfig.Audit {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        // An explicit `path: null` (or "") turns the audit log off.
        if c.contains(.path) {
            let p = try c.decodeIfPresent(String.self, forKey: .path)
            path = (p?.isEmpty ?? true) ? nil : p
        }
        texts = try c.value(.texts, or: texts)
        retentionDays = try c.value(.retentionDays, or: retentionDays)
    }
}

extension RuleSetSpec {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            rules: try c.value(.rules, or: []),
            defaultLabel: try c.decodeIfPresent(String.self, forKey: .defaultLabel),
            belowScore: try c.decodeIfPresent(Double.self, forKey: .belowScore))
    }
}

extension ServerConfig.TLS {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(certificate: try c.decode(String.self, forKey: .certificate),
                  privateKey: try c.decode(String.self, forKey: .privateKey))
    }
}

extension ModelSpec {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(path: try c.decode(String.self, forKey: .path),
                  version: try c.decodeIfPresent(String.self, forKey: .version),
                  fallback: try c.decodeIfPresent(RuleSetSpec.self, forKey: .fallback))
    }
}

extension RuleSpec {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(label: try c.decode(String.self, forKey: .label),
                  keywords: try c.decodeIfPresent([String].self, forKey: .keywords),
                  regex: try c.decodeIfPresent(String.self, forKey: .regex))
    }
}
