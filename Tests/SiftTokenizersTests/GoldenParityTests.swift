import Foundation
import Testing
@testable import SiftTokenizers
import SiftTestSupport

/// Exact parity with Hugging Face `tokenizers` on goldens from scripts/fixtures/make_tokenizer_goldens.py.
@Suite struct GoldenParityTests {
    struct EdgeFile: Decodable {
        struct Case: Decodable {
            let config: String
            let text: String
            let pair: String?
            let options: GoldenOptions
            let expected: Expected
        }
        /// Either an encoding or the error Hugging Face raised.
        struct Expected: Decodable {
            let error: String?
            let encoding: ExpectedEncoding?
            init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: K.self)
                error = try c.decodeIfPresent(String.self, forKey: .error)
                encoding = error == nil ? try ExpectedEncoding(from: decoder) : nil
            }
            enum K: String, CodingKey { case error }
        }
        let versions: [String: String]
        let cases: [Case]
    }

    @Test func edgeCasesMatchHuggingFaceExactly() throws {
        try requireMiniLM()
        let data = try Data(contentsOf: TestPaths.fixture("tokenizer/edge-cases.json"))
        let file = try JSONDecoder().decode(EdgeFile.self, from: data)
        #expect(file.cases.count > 1000)
        var tokenizers: [String: Tokenizer] = [:]
        var failures: [String] = []
        for (i, c) in file.cases.enumerated() {
            if tokenizers[c.config] == nil { tokenizers[c.config] = try GoldenConfigs.tokenizer(c.config) }
            let tok = tokenizers[c.config]!
            let label = "case \(i) [\(c.config)] \(String(reflecting: String(c.text.prefix(40)))) pair=\(c.pair.map { String(reflecting: String($0.prefix(20))) } ?? "nil") options=\(c.options.encodeOptions)"
            if let err = c.expected.error {
                do {
                    _ = try tok.encodeChecked(c.text, pair: c.pair, options: c.options.encodeOptions)
                    failures.append("\(label): Hugging Face raised \"\(err)\", Sift did not")
                } catch {}
                continue
            }
            do {
                let got = try tok.encodeChecked(c.text, pair: c.pair, options: c.options.encodeOptions)
                if let d = difference(got, c.expected.encoding!) { failures.append("\(label): \(d)") }
            } catch {
                failures.append("\(label): Sift raised \(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(file.cases.count) cases differ (tokenizers \(file.versions["tokenizers"] ?? "?")):\n\(failures.prefix(15).joined(separator: "\n"))")
    }

    struct CorpusFile: Decodable {
        struct Case: Decodable {
            let source: String
            let line: Int
            let text_fnv: String
            let uncased: String
            let cased: String
            let tokens: Int
            let expected_uncased: ExpectedEncoding?
        }
        let versions: [String: String]
        let cases: [Case]
    }

    /// Reads a corpus text exactly as the golden script did (BBC files are Latin-1).
    static func corpusText(_ source: String, line: Int, cache: inout [String: [String]]) throws -> String {
        let url = TestPaths.dataDir.appendingPathComponent(source)
        if cache[source] == nil {
            let data = try Data(contentsOf: url)
            let whole = source.hasPrefix("bbc/") ? String(decoding: data.map { UInt16($0) }, as: UTF16.self)
                                                 : String(decoding: data, as: UTF8.self)
            cache[source] = [whole] + whole.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        let lines = cache[source]!
        return line < 0 ? lines[0] : lines[line + 1]
    }

    @Test func realCorpusMatchesHuggingFaceExactly() throws {
        try requireMiniLM()
        let data = try Data(contentsOf: TestPaths.fixture("tokenizer/corpus.json"))
        let file = try JSONDecoder().decode(CorpusFile.self, from: data)
        #expect(file.cases.count >= 5000)
        let uncased = try GoldenConfigs.tokenizer("uncased")
        let cased = try GoldenConfigs.tokenizer("cased")
        var cache: [String: [String]] = [:]
        var failures: [String] = []
        var full = 0
        for c in file.cases {
            let text = try Self.corpusText(c.source, line: c.line, cache: &cache)
            guard fnv1a(text) == c.text_fnv else {
                failures.append("\(c.source):\(c.line): the text differs from the one the goldens were made from (reinstall with scripts/setup.sh)")
                continue
            }
            let u = uncased.encode(text)
            if let want = c.expected_uncased {
                full += 1
                if let d = difference(u, want) { failures.append("\(c.source):\(c.line) uncased: \(d)") }
            }
            if fnv1a(canonicalString(u)) != c.uncased {
                failures.append("\(c.source):\(c.line) uncased: digest differs (\(u.count) tokens vs \(c.tokens))")
            }
            if fnv1a(canonicalString(cased.encode(text))) != c.cased {
                failures.append("\(c.source):\(c.line) cased: digest differs")
            }
        }
        #expect(full >= 300)
        #expect(failures.isEmpty, "\(failures.count) differences over \(file.cases.count) texts:\n\(failures.prefix(15).joined(separator: "\n"))")
    }
}
