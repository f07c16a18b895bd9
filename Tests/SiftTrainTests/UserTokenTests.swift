import Foundation
import Testing
import SiftEngine
import SiftTestSupport
import SiftTokenizers
@testable import SiftTrain

/// `sift vocab extend --tokens`: the user's terms as Hugging Face's `add_tokens` adds them. The ids,
/// flags and encodings are those of scripts/fixtures/make_added_token_goldens.py (transformers'
/// add_tokens on all-MiniLM-L6-v2); Python loading such a folder is scripts/checks/vocab_interop.sh.
@Suite struct UserTokenTests {
    struct Golden: Decodable {
        struct Added: Decodable, Equatable {
            let id: Int32, content: String, single_word: Bool, lstrip: Bool, rstrip: Bool, normalized: Bool, special: Bool
        }
        struct Case: Decodable {
            let text: String
            let options: [String: Bool]?
            let expected: Expected
        }
        struct Expected: Decodable { let ids: [Int32]; let offsets: [[Int]] }
        let base_vocab_size: Int
        let size_after: Int
        let added_tokens: [Added]
        let cases: [Case]
    }

    static func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return (error as? LocalizedError)?.errorDescription ?? "\(error)" }
    }

    @Test func addedTokensGetHuggingFaceIdsAndEncodings() throws {
        guard FileManager.default.fileExists(atPath: TestPaths.miniLM.appendingPathComponent("tokenizer.json").path) else {
            Issue.record("\(TestPaths.miniLM.path) is missing: run scripts/setup.sh"); return
        }
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: TestPaths.fixture("tokenizer-added/goldens.json")))
        let user = try UserToken.read(TestPaths.fixture("tokenizer-added/tokens.txt"))
        let dir = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("extended")
        let result = try VocabularyExtension.write(base: TestPaths.miniLM, adding: [], userTokens: user, to: out)
        #expect(result.vocabularySize == golden.size_after)
        let got = result.addedTokens.map {
            Golden.Added(id: $0.id, content: $0.content, single_word: $0.singleWord, lstrip: $0.lstrip, rstrip: $0.rstrip,
                         normalized: $0.normalized, special: $0.special)
        }
        #expect(got.sorted { $0.id < $1.id } == golden.added_tokens, "ids and flags as transformers' add_tokens")
        #expect(result.reusedIds == golden.added_tokens.filter { Int($0.id) < golden.base_vocab_size }.count)

        // The written folder encodes as Hugging Face with those tokens.
        let tok = try Tokenizer(directory: out)
        for c in golden.cases {
            let e = tok.encode(c.text, options: EncodeOptions(addSpecialTokens: c.options?["add_special_tokens"] ?? true))
            #expect(e.ids == c.expected.ids, "\(String(reflecting: c.text))")
            #expect(e.offsets.map { [$0.start, $0.end] } == c.expected.offsets, "\(String(reflecting: c.text))")
        }

        // New rows: the mean of the base's pieces for the token's text; old rows unchanged.
        let base = try BertModel.load(directory: TestPaths.miniLM), grown = try BertModel.load(directory: out)
        let baseTok = try Tokenizer(directory: TestPaths.miniLM)
        let C = base.config.hiddenSize, name = "embeddings.word_embeddings.weight"
        let e0 = Array(base.parameters[name]!), e = Array(grown.parameters[name]!)
        #expect(grown.config.vocabSize == golden.size_after && Array(e[0..<(golden.base_vocab_size * C)]) == e0)
        for t in golden.added_tokens where Int(t.id) >= golden.base_vocab_size {
            let pieces = baseTok.encode(t.content, options: EncodeOptions(addSpecialTokens: false)).ids.filter { $0 != baseTok.unkTokenId }
            let rows = pieces.isEmpty ? Array(0..<Int32(golden.base_vocab_size)) : pieces
            let want = (0..<C).map { j in rows.reduce(Float(0)) { $0 + e0[Int($1) * C + j] } / Float(rows.count) }
            expectClose(Array(e[(Int(t.id) * C)..<((Int(t.id) + 1) * C)]), want, atol: 1e-6, rtol: 1e-5, "row of \(t.content)")
        }
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("tokenizer_config.json"))) as! [String: Any]
        let decoder = saved["added_tokens_decoder"] as? [String: Any]
        #expect(decoder == nil || decoder?["30522"] != nil, "tokenizer_config.json's added_tokens_decoder lists the new tokens")
    }

    /// A tokenizer smaller than its embedding matrix (tiny-bert: 5 tokens, 125 rows): new ids follow
    /// the tokenizer, as `add_tokens` gives them, and the unused rows they land on start afresh.
    @Test func newIdsInsideALargerMatrixStartAfresh() throws {
        let dir = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = dir.appendingPathComponent("t.txt")
        try Data("COVID-19\n".utf8).write(to: list)
        let base = TestPaths.fixture("tiny-bert/base"), out = dir.appendingPathComponent("o")
        let old = try Tokenizer(directory: base)
        let result = try VocabularyExtension.write(base: base, adding: [], userTokens: try UserToken.read(list), to: out)
        #expect(result.addedTokens.map(\.id) == [Int32(old.vocabSize)])
        let m0 = try BertModel.load(directory: base), m = try BertModel.load(directory: out)
        #expect(result.vocabularySize == m0.config.vocabSize && m.config.vocabSize == m0.config.vocabSize)
        let C = m0.config.hiddenSize, R = m0.config.vocabSize, name = "embeddings.word_embeddings.weight"
        let e0 = Array(m0.parameters[name]!), e = Array(m.parameters[name]!)
        let id = Int(result.addedTokens[0].id)
        let mean = (0..<C).map { j in (0..<R).reduce(Float(0)) { $0 + e0[$1 * C + j] } / Float(R) }
        expectClose(Array(e[(id * C)..<((id + 1) * C)]), mean, atol: 1e-6, rtol: 1e-5, "all [UNK]: the mean of all rows")
        #expect(Array(e[((id + 1) * C)...]) == Array(e0[((id + 1) * C)...]) && Array(e[..<(id * C)]) == Array(e0[..<(id * C)]))
        #expect(try Tokenizer(directory: out).encode("covid-19 x", options: EncodeOptions(addSpecialTokens: false)).ids.first == Int32(id))
    }

    @Test func badTokenFilesNameTheLine() throws {
        let dir = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        func read(_ text: String) -> String {
            let url = dir.appendingPathComponent("t-\(UUID().uuidString).txt")
            try? Data(text.utf8).write(to: url)
            return Self.message { _ = try UserToken.read(url) }
        }
        #expect(read("COVID-19\n{\"content\": \"x\", \"strip\": true}\n").contains(":2: unknown field \"strip\""))
        #expect(read("{\"content\": 5}\n").contains(":1: \"content\" has the wrong type"))
        #expect(read("a\n\n{\"content\": \"x\", \"lstrip\": \"yes\"}\n").contains(":3: \"lstrip\" has the wrong type"))
        #expect(read("{\"single_word\": true}\n").contains(":1: \"content\" (a string) is missing"))
        #expect(read("{not json\n").contains(":1: a line starting with { must be one JSON object"))
        #expect(read("\n  \n").contains("no tokens"))
        #expect(Self.message { _ = try UserToken.read(dir.appendingPathComponent("absent.txt")) }.contains("cannot read"))
        let parsed = try { () throws -> [UserToken] in
            let url = dir.appendingPathComponent("ok.txt")
            try Data("q.d.\r\n{\"content\": \"[DOC]\", \"special\": true}\n New York\n".utf8).write(to: url)
            return try UserToken.read(url)
        }()
        #expect(parsed.map(\.token.content) == ["q.d.", "[DOC]", " New York"])
        #expect(parsed.map(\.token.normalized) == [true, false, true], "normalized unless special, as Hugging Face")
        // A vocab.txt-only base has no tokenizer.json to hold added tokens.
        #expect(Self.message { try VocabularyExtension.write(base: TinyTask.base, adding: [], userTokens: parsed, to: dir.appendingPathComponent("o")) }
            .contains("needs a tokenizer.json"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o").path))
    }
}
