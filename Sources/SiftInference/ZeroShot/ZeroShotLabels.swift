import Foundation

/// The candidate labels and how each becomes a hypothesis (NLI) or a description to embed, with
/// the checks Hugging Face's zero-shot pipeline makes and a few it leaves to chance.
public struct ZeroShotLabels: Sendable, Equatable {
    /// The transformers pipeline's default hypothesis.
    public static let defaultTemplate = "This example is {}."

    public let names: [String]
    public let template: String
    /// Text to embed (embedding zero-shot) or to put in the template, per label; defaults to the name.
    public let descriptions: [String: String]

    /// - Parameters:
    ///   - minimum: how many labels the method needs (two to choose between; one for independent
    ///     yes/no scores).
    public init(_ names: [String], template: String = ZeroShotLabels.defaultTemplate, descriptions: [String: String] = [:],
                minimum: Int = 2) throws {
        let trimmed = names.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let i = trimmed.firstIndex(where: \.isEmpty) {
            throw InferenceError.badInput("label \(i + 1) is empty")
        }
        guard trimmed.count >= minimum else {
            throw InferenceError.badInput(minimum > 1
                ? "zero-shot needs at least two labels to choose between, got \(trimmed.count)\(trimmed.count == 1 ? " ('\(trimmed[0])'); for an independent yes/no score of one label use multi-label" : "")"
                : "zero-shot needs at least one label")
        }
        var seen = Set<String>()
        for n in trimmed where !seen.insert(n).inserted {
            throw InferenceError.badInput("label '\(n)' is given twice")
        }
        guard template.components(separatedBy: "{}").count == 2 else {
            throw InferenceError.badInput("the hypothesis template must contain '{}' exactly once, where the label goes; got '\(template)'")
        }
        for key in descriptions.keys where !seen.contains(key) {
            throw InferenceError.badInput("a description is given for '\(key)', which is not one of the labels (\(trimmed.joined(separator: ", ")))")
        }
        self.names = trimmed; self.template = template; self.descriptions = descriptions
    }

    /// "a, b ,c" → ["a", "b", "c"], as the pipeline splits a string of labels (empty pieces dropped).
    public static func split(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The hypothesis for label `i`: the template with the label (or its description) in place of `{}`.
    public func hypothesis(_ i: Int) -> String {
        template.replacingOccurrences(of: "{}", with: descriptions[names[i]] ?? names[i])
    }

    public var hypotheses: [String] { names.indices.map(hypothesis) }

    /// Reads `--label-descriptions`: JSON `{"label": "description", …}`, or lines `label<TAB>description`.
    public static func readDescriptions(url: URL) throws -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw InferenceError.badInput("\(url.path): cannot read label descriptions (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InferenceError.badInput("\(url.path): label descriptions are not UTF-8")
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            do { return try JSONDecoder().decode([String: String].self, from: data) } catch {
                throw InferenceError.badInput("\(url.path): expected a JSON object of label → description strings (\(error.localizedDescription))")
            }
        }
        var out: [String: String] = [:]
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = line.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            if l.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let parts = l.split(separator: "\t", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw InferenceError.badInput("\(url.path):\(n + 1): expected 'label<TAB>description'")
            }
            guard out[parts[0]] == nil else { throw InferenceError.badInput("\(url.path):\(n + 1): '\(parts[0])' is described twice") }
            out[parts[0]] = parts[1]
        }
        return out
    }
}
