import Foundation

/// A model's rule-based fallback: ordered keyword / regex rules, compiled once.
/// It answers when the model cannot (failed to load, errored, timed out) and, if `belowScore`
/// is set, when the model's top score is too low to trust.
public struct RuleSet: Sendable {
    struct CompiledRule: Sendable {
        let label: String
        let regex: NSRegularExpression
    }

    let rules: [CompiledRule]
    public let defaultLabel: String?
    public let belowScore: Double?

    public init(_ spec: RuleSetSpec) throws {
        var compiled: [CompiledRule] = []
        for (i, rule) in spec.rules.enumerated() {
            var alternatives: [String] = []
            if let words = rule.keywords, !words.isEmpty {
                // Whole words, any of them; escaped so a keyword is never read as a pattern.
                let escaped = words.map { NSRegularExpression.escapedPattern(for: $0) }
                alternatives.append("\\b(?:" + escaped.joined(separator: "|") + ")\\b")
            }
            if let rx = rule.regex { alternatives.append("(?:" + rx + ")") }
            guard !alternatives.isEmpty else {
                throw ConfigError("fallback.rules[\(i)]: needs 'keywords' or 'regex'")
            }
            do {
                let regex = try NSRegularExpression(pattern: alternatives.joined(separator: "|"), options: [.caseInsensitive])
                compiled.append(CompiledRule(label: rule.label, regex: regex))
            } catch {
                throw ConfigError("fallback.rules[\(i)].regex: invalid regular expression")
            }
        }
        self.rules = compiled
        self.defaultLabel = spec.defaultLabel
        self.belowScore = spec.belowScore
    }

    /// The first matching rule's label (and its index), else the default label.
    public func answer(_ text: String) -> (label: String?, rule: Int?) {
        let range = NSRange(text.startIndex..., in: text)
        for (i, rule) in rules.enumerated() where rule.regex.firstMatch(in: text, range: range) != nil {
            return (rule.label, i)
        }
        return (defaultLabel, nil)
    }
}
