import Foundation

/// The small YAML subset a redaction config needs, so configs can be written as YAML without a
/// YAML dependency: `key: scalar`, `key: [a, b]`, block lists of scalars (`- a`) and of flat
/// maps (`- name: x` / `  regex: y`), quoted or plain scalars, `#` comments. Anything else is
/// an error naming the line (anchors, multi-line strings and nested maps are not supported).
enum MiniYAML {
    static func parse(_ text: String, file: String) throws -> [String: Any] {
        var root: [String: Any] = [:]
        var currentKey: String?
        var list: [Any]? = nil
        var listItem: [String: Any]? = nil
        var itemIndent = 0
        func fail(_ n: Int, _ why: String) -> DataError { DataError.invalidArgument("\(file):\(n): \(why) (YAML subset: key: value, lists, lists of flat maps)") }
        func flushItem() { if let it = listItem { list?.append(it); listItem = nil } }
        func flushList() { flushItem(); if let k = currentKey, let l = list { root[k] = l }; list = nil }

        for (i, rawLine) in text.components(separatedBy: "\n").enumerated() {
            let n = i + 1
            let line = stripComment(rawLine.replacingOccurrences(of: "\r", with: ""))
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("---") { continue }
            let indent = line.prefix { $0 == " " }.count
            let body = line.trimmingCharacters(in: .whitespaces)
            if indent == 0 {
                flushList()
                guard let (k, v) = try keyValue(body, n, fail) else { throw fail(n, "expected 'key: value'") }
                if v.isEmpty { currentKey = k; list = [] } else { root[k] = try scalarOrFlow(v, n, fail); currentKey = nil }
                continue
            }
            guard list != nil else { throw fail(n, "unexpected indentation") }
            if body.hasPrefix("- ") || body == "-" {
                flushItem()
                let rest = String(body.dropFirst(1)).trimmingCharacters(in: .whitespaces)
                if let (k, v) = try keyValue(rest, n, fail) {
                    listItem = [k: try scalarOrFlow(v, n, fail)]
                    itemIndent = indent + 2
                } else {
                    list?.append(try scalarOrFlow(rest, n, fail))
                }
            } else if listItem != nil, indent >= itemIndent, let (k, v) = try keyValue(body, n, fail) {
                listItem?[k] = try scalarOrFlow(v, n, fail)
            } else {
                throw fail(n, "cannot read this line")
            }
        }
        flushList()
        return root
    }

    private static func stripComment(_ s: String) -> String {
        var out = ""
        var quote: Character? = nil
        var prev: Character = " "
        for c in s {
            if let q = quote { if c == q { quote = nil } }
            else if c == "\"" || c == "'" { quote = c }
            else if c == "#" && (prev == " " || out.isEmpty) { break }
            out.append(c); prev = c
        }
        return out.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }

    private static func keyValue(_ s: String, _ n: Int, _ fail: (Int, String) -> DataError) throws -> (String, String)? {
        guard !s.hasPrefix("\""), !s.hasPrefix("'"), !s.hasPrefix("["), let r = s.range(of: ":"),
              r.upperBound == s.endIndex || s[r.upperBound] == " " else { return nil }
        let k = s[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
        guard !k.isEmpty else { throw fail(n, "empty key") }
        return (k, s[r.upperBound...].trimmingCharacters(in: .whitespaces))
    }

    private static func scalarOrFlow(_ v: String, _ n: Int, _ fail: (Int, String) -> DataError) throws -> Any {
        if v.hasPrefix("[") {
            guard v.hasSuffix("]") else { throw fail(n, "unclosed '['") }
            let inner = v.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
            if inner.isEmpty { return [Any]() }
            return try inner.split(separator: ",").map { try scalar($0.trimmingCharacters(in: .whitespaces), n, fail) }
        }
        return try scalar(v, n, fail)
    }

    private static func scalar(_ v: String, _ n: Int, _ fail: (Int, String) -> DataError) throws -> Any {
        if v.hasPrefix("\"") {
            guard v.count >= 2, v.hasSuffix("\""), let d = v.data(using: .utf8),
                  let s = try? JSONDecoder().decode(String.self, from: d) else { throw fail(n, "bad double-quoted string") }
            return s
        }
        if v.hasPrefix("'") {
            guard v.count >= 2, v.hasSuffix("'") else { throw fail(n, "bad single-quoted string") }
            return String(v.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        return v
    }
}
