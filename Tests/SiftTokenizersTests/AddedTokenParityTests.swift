import Foundation
import Testing
@testable import SiftTokenizers
import SiftTestSupport

/// Added tokens (`tokenizer.add_tokens`, `AddedToken` flags) against Hugging Face: goldens from
/// scripts/fixtures/make_added_token_goldens.py over all-MiniLM-L6-v2's tokenizer.
@Suite struct AddedTokenParityTests {
    struct GoldenFile: Decodable {
        struct Case: Decodable {
            let text: String
            let options: GoldenOptions?
            let expected: ExpectedEncoding
        }
        struct CorpusCase: Decodable {
            let source: String
            let line: Int
            let text_fnv: String
            let expected: ExpectedEncoding
        }
        let versions: [String: String]
        let base_vocab_size: Int
        let size_after: Int
        let added_tokens: [[String: JSONValue]]
        let cases: [Case]
        let corpus: [CorpusCase]
    }

    /// A loosely typed JSON value, enough to carry `added_tokens` entries back into a tokenizer.json.
    enum JSONValue: Decodable {
        case string(String), int(Int), bool(Bool)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int.self) { self = .int(i) }
            else { self = .string(try c.decode(String.self)) }
        }
        var any: Any { switch self { case .string(let s): s; case .int(let i): i; case .bool(let b): b } }
    }

    static func load() throws -> (GoldenFile, Tokenizer) {
        try requireMiniLM()
        let file = try JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: TestPaths.fixture("tokenizer-added/goldens.json")))
        // MiniLM's tokenizer.json with the added tokens Hugging Face saved (specials kept).
        var doc = try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.miniLM.appendingPathComponent("tokenizer.json"))) as! [String: Any]
        var added = doc["added_tokens"] as! [[String: Any]]
        let contents = Set(added.compactMap { $0["content"] as? String })
        for t in file.added_tokens where !contents.contains({ if case .string(let s) = t["content"]! { s } else { "" } }()) {
            added.append(t.mapValues(\.any))
        }
        doc["added_tokens"] = added
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-added-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try JSONSerialization.data(withJSONObject: doc).write(to: dir.appendingPathComponent("tokenizer.json"))
        return (file, try Tokenizer(directory: dir))
    }

    /// Ids of the added tokens. Their Hugging Face token string is the text matched (normalized
    /// `covid-19` for `COVID-19`, the spaces an lstrip took); Sift's is the content. Ids, offsets
    /// and word ids are compared all the same.
    static func addedIds(_ file: GoldenFile) -> Set<Int32> {
        Set(file.added_tokens.compactMap { t in
            guard case .int(let id) = t["id"] else { return nil }
            return Int32(id)
        })
    }

    @Test func handWrittenTextsMatchHuggingFace() throws {
        let (file, tok) = try Self.load()
        #expect(file.cases.count > 40)
        var failures: [String] = []
        for c in file.cases {
            let got = tok.encode(c.text, options: c.options?.encodeOptions ?? EncodeOptions())
            if let d = difference(got, c.expected, addedIds: Self.addedIds(file)) { failures.append("\(String(reflecting: c.text)): \(d)") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(file.cases.count) differ (tokenizers \(file.versions["tokenizers"] ?? "?")):\n\(failures.prefix(12).joined(separator: "\n"))")
    }

    @Test func realTextsMatchHuggingFace() throws {
        let (file, tok) = try Self.load()
        #expect(file.corpus.count >= 400)
        var cache: [String: [String]] = [:]
        var failures: [String] = []
        for c in file.corpus {
            let text = try GoldenParityTests.corpusText(c.source, line: c.line, cache: &cache)
            guard fnv1a(text) == c.text_fnv else { failures.append("\(c.source):\(c.line): text differs from the goldens'"); continue }
            if let d = difference(tok.encode(text), c.expected, addedIds: Self.addedIds(file)) { failures.append("\(c.source):\(c.line): \(d)") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(file.corpus.count) differ:\n\(failures.prefix(12).joined(separator: "\n"))")
    }
}
