import Foundation
import Yams

/// A user pattern from the config file: a name (its placeholder is `[NAME]`) and a regex.
public struct CustomPIIPattern: Sendable, Codable, Equatable {
    public var name: String
    public var regex: String
    public init(name: String, regex: String) { self.name = name; self.regex = regex }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, regex }

    public init(from decoder: Decoder) throws {
        try ConfigKeys.rejectUnknown(CodingKeys.self, in: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        regex = try c.decode(String.self, forKey: .regex)
    }
}

/// What to redact and how.
public struct RedactionConfig: Sendable, Codable, Equatable {
    /// Built-in kinds to detect (all by default).
    public var kinds: [PIIKind]
    public var patterns: [CustomPIIPattern]
    /// When set, each match becomes `[KIND:hash]` with a keyed hash (HMAC-SHA256, first 8
    /// bytes in hex) of the normalized value: the same card gives the same token across
    /// records, so joins and duplicate counts still work, but nobody without the key can test
    /// a guess. Without a key, matches become plain `[KIND]`.
    public var hashKey: String?

    public init(kinds: [PIIKind] = PIIKind.allCases, patterns: [CustomPIIPattern] = [], hashKey: String? = nil) {
        self.kinds = kinds; self.patterns = patterns; self.hashKey = hashKey
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case kinds, patterns, hashKey = "hash_key" }

    public init(from decoder: Decoder) throws {
        try ConfigKeys.rejectUnknown(CodingKeys.self, in: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let names = try c.decodeIfPresent([String].self, forKey: .kinds)
        kinds = try names.map { try $0.map { n in
            guard let k = PIIKind(name: n) else {
                throw DataError.invalidArgument("unknown PII kind '\(n)'; known: \(PIIKind.allCases.map { $0.rawValue.lowercased() }.joined(separator: ", "))")
            }
            return k
        } } ?? PIIKind.allCases
        patterns = try c.decodeIfPresent([CustomPIIPattern].self, forKey: .patterns) ?? []
        hashKey = try c.decodeIfPresent(String.self, forKey: .hashKey)
    }

    /// Reads a JSON config, `{"kinds": ["card", "email"], "patterns": [{"name": "EMPLOYEE_ID", "regex": "EMP-[0-9]{6}"}]}`,
    /// or the same as YAML (Yams) when the file ends in .yaml/.yml. Unknown keys are refused,
    /// naming the key and the file: a misspelt `hash_key` must not silently turn hashing off.
    public static func load(url: URL) throws -> RedactionConfig {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DataError.cannotOpen(file: url.path, reason: "no such file or unreadable")
        }
        let isYAML = ["yaml", "yml"].contains(url.pathExtension.lowercased())
        do {
            do {
                if isYAML { return try YAMLDecoder().decode(RedactionConfig.self, from: data) }
                return try JSONDecoder().decode(RedactionConfig.self, from: data)
            } catch DecodingError.dataCorrupted(let ctx) where ctx.underlyingError is DataError || ctx.underlyingError is YamlError {
                // Yams wraps every error that is not a DecodingError; unwrap ours and its syntax errors.
                throw ctx.underlyingError ?? DataError.invalidArgument(ctx.debugDescription)
            }
        } catch let e as DataError {
            throw DataError.invalidArgument("\(url.path): \(e.errorDescription ?? "")")
        } catch let e as YamlError {
            throw DataError.invalidArgument("\(url.path)\(ConfigKeys.position(of: e)): not valid YAML: \(ConfigKeys.problem(of: e))")
        } catch let e as DecodingError {
            throw DataError.invalidArgument("\(url.path): \(ConfigKeys.describe(e)) (a redaction config has kinds, patterns, hash_key)")
        } catch {
            throw DataError.invalidArgument("\(url.path): not a valid redaction config (\(isYAML ? "YAML" : "JSON") with kinds, patterns, hash_key): \(error)")
        }
    }
}

/// One piece of personal data found in a text: its kind and where it was (UTF-8 byte
/// offsets into the input). The value itself is deliberately not kept.
public struct PIIMatch: Sendable, Equatable {
    public var kind: String
    public var utf8Range: Range<Int>
    public init(kind: String, utf8Range: Range<Int>) { self.kind = kind; self.utf8Range = utf8Range }

    /// A match from code-point offsets (what tokenizers and models report) into `text`.
    public init?(kind: String, codePoints: Range<Int>, in text: String) {
        let scalars = text.unicodeScalars
        guard codePoints.lowerBound >= 0, codePoints.upperBound <= scalars.count else { return nil }
        let lo = scalars.index(scalars.startIndex, offsetBy: codePoints.lowerBound)
        let hi = scalars.index(lo, offsetBy: codePoints.count)
        self.kind = kind
        utf8Range = text.utf8.distance(from: text.startIndex, to: lo)..<text.utf8.distance(from: text.startIndex, to: hi)
    }
}

/// Counts by kind across many texts.
public struct RedactionReport: Sendable, Equatable {
    public var counts: [String: Int] = [:]
    public var textsWithPII = 0
    public var texts = 0
    public init() {}
    public mutating func add(_ matches: [PIIMatch]) {
        texts += 1
        if !matches.isEmpty { textsWithPII += 1 }
        for m in matches { counts[m.kind, default: 0] += 1 }
    }
    public var total: Int { counts.values.reduce(0, +) }
}

/// Finds and replaces personal data. Build one (patterns are compiled once), then call
/// `redact` from any thread: it is immutable and Sendable, meant for a server's hot path.
public final class Redactor: Sendable {
    public let config: RedactionConfig
    private let kinds: [PIIKind]
    private let custom: [(name: String, regex: UncheckedRegex)]
    private let key: [UInt8]?

    /// NSRegularExpression is documented as safe to share between threads once built.
    struct UncheckedRegex: @unchecked Sendable { let value: NSRegularExpression }

    public init(config: RedactionConfig = RedactionConfig()) throws {
        self.config = config
        // Priority order when matches overlap: the more specific, checksum-verified kinds first.
        kinds = PIIKind.allCases.filter { config.kinds.contains($0) }
        custom = try config.patterns.map { p in
            let name = p.name.uppercased().replacingOccurrences(of: " ", with: "_")
            guard !name.isEmpty else { throw DataError.invalidArgument("a custom pattern needs a name") }
            do { return (name, UncheckedRegex(value: try NSRegularExpression(pattern: p.regex))) } catch {
                throw DataError.invalidArgument("custom pattern '\(p.name)': invalid regular expression '\(p.regex)'")
            }
        }
        key = config.hashKey.map { Array($0.utf8) }
        if let k = key, k.isEmpty { throw DataError.invalidArgument("the hash key is empty") }
    }

    /// All matches in `text`, non-overlapping, in order of position. Custom patterns win
    /// over built-in kinds (the user asked for them), then kinds in `PIIKind` order.
    public func matches(in text: String) -> [PIIMatch] {
        let bytes = Array(text.utf8)
        var candidates: [(priority: Int, kind: String, range: Range<Int>)] = []
        for (p, c) in custom.enumerated() {
            let ns = text as NSString
            for m in c.regex.value.matches(in: text, range: NSRange(location: 0, length: ns.length)) where m.range.length > 0 {
                guard let r = Range(m.range, in: text) else { continue }
                let lo = text.utf8.distance(from: text.startIndex, to: r.lowerBound)
                let hi = text.utf8.distance(from: text.startIndex, to: r.upperBound)
                candidates.append((p, c.name, lo..<hi))
            }
        }
        if Self.mayContainBuiltin(bytes) {
            bytes.withUnsafeBufferPointer { s in
                for (p, kind) in kinds.enumerated() {
                    let ranges: [Range<Int>]
                    switch kind {
                    case .email: ranges = PIIDetectors.emails(s)
                    case .iban: ranges = PIIDetectors.ibans(s)
                    case .cnID: ranges = PIIDetectors.chineseIDs(s)
                    case .card: ranges = PIIDetectors.cards(s)
                    case .ssn: ranges = PIIDetectors.ssns(s)
                    case .phone: ranges = PIIDetectors.phones(s)
                    case .ip: ranges = PIIDetectors.ips(s)
                    }
                    for r in ranges { candidates.append((custom.count + p, kind.rawValue, r)) }
                }
            }
        }
        if candidates.isEmpty { return [] }
        candidates.sort { ($0.priority, $0.range.lowerBound) < ($1.priority, $1.range.lowerBound) }
        var accepted: [PIIMatch] = []
        for c in candidates where !accepted.contains(where: { $0.utf8Range.overlaps(c.range) }) {
            accepted.append(PIIMatch(kind: c.kind, utf8Range: c.range))
        }
        return accepted.sorted { $0.utf8Range.lowerBound < $1.utf8Range.lowerBound }
    }

    /// Every built-in kind needs a digit, an '@' or a ':'; most texts are skipped at once.
    private static func mayContainBuiltin(_ bytes: [UInt8]) -> Bool {
        bytes.contains { ($0 >= 0x30 && $0 <= 0x3A) || $0 == 0x40 }
    }

    /// `text` with each match replaced by `[KIND]` (or `[KIND:hash]` with a key), and the matches.
    /// `extra` adds spans found elsewhere (a NER model's names and places); where one overlaps a
    /// pattern match, the pattern's (checksum-verified) match is kept.
    public func redact(_ text: String, extra: [PIIMatch] = []) -> (text: String, matches: [PIIMatch]) {
        var found = matches(in: text)
        if !extra.isEmpty {
            for m in extra where !m.utf8Range.isEmpty && !found.contains(where: { $0.utf8Range.overlaps(m.utf8Range) }) { found.append(m) }
            found.sort { $0.utf8Range.lowerBound < $1.utf8Range.lowerBound }
        }
        if found.isEmpty { return (text, []) }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var pos = 0
        for m in found {
            out.append(contentsOf: bytes[pos..<m.utf8Range.lowerBound])
            out.append(contentsOf: Array(replacement(kind: m.kind, value: bytes[m.utf8Range]).utf8))
            pos = m.utf8Range.upperBound
        }
        out.append(contentsOf: bytes[pos...])
        return (String(decoding: out, as: UTF8.self), found)
    }

    /// Just the redacted text.
    public func redacted(_ text: String) -> String { redact(text).text }

    private func replacement(kind: String, value: ArraySlice<UInt8>) -> String {
        guard let key else { return "[\(kind)]" }
        let mac = HMACSHA256.authenticationCode(key: key, message: Array("\(kind):".utf8) + Self.normalize(kind: kind, value))
        return "[\(kind):\(Array(mac.prefix(8)).hexString)]"
    }

    /// The same value written two ways (spaces, dashes, case, +86) hashes the same.
    static func normalize(kind: String, _ v: ArraySlice<UInt8>) -> [UInt8] {
        switch kind {
        case PIIKind.card.rawValue, PIIKind.ssn.rawValue, PIIKind.cnID.rawValue:
            return v.filter { PIIDetectors.isDigit($0) || $0 == 0x58 || $0 == 0x78 }.map { $0 == 0x78 ? 0x58 : $0 }
        case PIIKind.phone.rawValue:
            let d = v.filter { PIIDetectors.isDigit($0) || $0 == 0x2B }
            return d
        case PIIKind.iban.rawValue:
            return v.filter { $0 != 0x20 }.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        case PIIKind.email.rawValue, PIIKind.ip.rawValue:
            return v.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        default:
            return Array(v)
        }
    }
}
