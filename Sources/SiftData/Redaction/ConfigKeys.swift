import Foundation
import Yams

/// Decoding helpers shared by config files: unknown keys refused with their path, and decoding
/// and YAML errors turned into messages that name the field or the line.
enum ConfigKeys {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
    }

    /// Throws when the mapping being decoded holds a key that `Keys` does not name.
    static func rejectUnknown<Keys: CodingKey & CaseIterable>(_: Keys.Type, in decoder: Decoder) throws {
        let known = Keys.allCases.map(\.stringValue)
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !known.contains(key.stringValue) {
            throw DataError.invalidArgument("unknown key '\(path(decoder.codingPath + [key]))' (known here: \(known.joined(separator: ", ")))")
        }
    }

    /// `patterns[0].regex`.
    static func path(_ keys: [any CodingKey]) -> String {
        var s = ""
        for k in keys {
            if let i = k.intValue { s += "[\(i)]" } else { s += s.isEmpty ? k.stringValue : "." + k.stringValue }
        }
        return s
    }

    static func describe(_ e: DecodingError) -> String {
        switch e {
        case .typeMismatch(let type, let ctx): return "field '\(path(ctx.codingPath))' should be \(type)"
        case .valueNotFound(_, let ctx): return "field '\(path(ctx.codingPath))' has no value"
        case .keyNotFound(let key, let ctx): return "missing field '\(path(ctx.codingPath + [key]))'"
        case .dataCorrupted(let ctx):
            return ctx.codingPath.isEmpty ? "not valid: \(ctx.debugDescription)" : "field '\(path(ctx.codingPath))': \(ctx.debugDescription)"
        @unknown default: return "\(e)"
        }
    }

    /// `:LINE:COLUMN` of a YAML syntax error, or "" when Yams gives none.
    static func position(of e: YamlError) -> String {
        switch e {
        case .scanner(_, _, let m, _), .parser(_, _, let m, _), .composer(_, _, let m, _): return ":\(m.line):\(m.column)"
        case .duplicatedKeysInMapping(_, let ctx): return ":\(ctx.mark.line):\(ctx.mark.column)"
        default: return ""
        }
    }

    static func problem(of e: YamlError) -> String {
        switch e {
        case .scanner(let c, let p, _, _), .parser(let c, let p, _, _), .composer(let c, let p, _, _):
            return [c?.text, p].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        case .duplicatedKeysInMapping(let d, _): return "duplicate key(s) \(d.sorted().joined(separator: ", "))"
        default: return "\(e)"
        }
    }
}
