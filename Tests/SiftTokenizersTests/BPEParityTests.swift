import Foundation
import Testing
@testable import SiftTokenizers
import SiftTestSupport

/// Goldens of scripts/fixtures/make_bpe_goldens.py: small BPE tokenizers trained by Hugging Face
/// `tokenizers` (ByteLevel with and without a prefix space, continuing-subword prefix and
/// end-of-word suffix, Metaspace with unk fusing and byte fallback; RobertaProcessing, ByteLevel,
/// Sequence[ByteLevel, Template] and Template post-processors; both merges serializations).
private struct BPEGoldens: Decodable {
    struct Case: Decodable {
        let text: String
        let pair: String?
        let options: GoldenOptions?
        let expected: ExpectedEncoding?
        /// Hugging Face refused these options (a sequence too short to truncate).
        let error: String?
        let decoded: String?
        /// The decodes of the last prefixes of the tokens (cuts inside a character give U+FFFD).
        let decoded_prefixes: [String]?
    }
    let versions: [String: String]
    let configs: [String: [Case]]
}

/// scripts/fixtures/make_bpe_goldens.py's real tokenizer: GPT-2's vocabulary and merges, pruned to the
/// merges its corpus applies (checked there to encode it as the full GPT-2 does), and the full GPT-2's encodings.
private struct GPT2Corpus: Decodable {
    struct Case: Decodable {
        let text: String
        let digest: String
        let tokens: Int
        let decoded: String
        let expected: ExpectedEncoding?
    }
    let versions: [String: String]
    let cases: [Case]
}

@Suite struct BPEParityTests {
    @Test func gpt2OnRealTextMatchesHuggingFace() throws {
        let corpus = try JSONDecoder().decode(GPT2Corpus.self, from: Data(contentsOf: TestPaths.fixture("tokenizer-bpe/gpt2/corpus.json")))
        let tok = try Tokenizer(directory: TestPaths.fixture("tokenizer-bpe/gpt2"))
        #expect(corpus.cases.count > 100)
        var full = 0
        for c in corpus.cases {
            let got = tok.encode(c.text)
            #expect(got.count == c.tokens && fnv1a(canonicalString(got)) == c.digest, "gpt2 \(c.text.prefix(60).debugDescription) (\(corpus.versions))")
            if let want = c.expected {
                if let d = difference(got, want) { Issue.record("gpt2 \(c.text.prefix(60).debugDescription): \(d)") }
                full += 1
            }
            #expect(tok.decoder.decode(got.tokens) == c.decoded, "gpt2 decode \(c.text.prefix(60).debugDescription)")
        }
        #expect(full > 15)
    }

    private static func goldens() throws -> BPEGoldens {
        try JSONDecoder().decode(BPEGoldens.self, from: Data(contentsOf: TestPaths.fixture("tokenizer-bpe/goldens.json")))
    }

    @Test func trainedTokenizersMatchHuggingFace() throws {
        let g = try Self.goldens()
        #expect(g.configs.count == 5)
        var compared = 0, decodes = 0
        for (name, cases) in g.configs.sorted(by: { $0.key < $1.key }) {
            let tok = try Tokenizer(directory: TestPaths.fixture("tokenizer-bpe/\(name)"))
            guard case .bpe = tok.model else { Issue.record("\(name): not a BPE model"); continue }
            #expect(tok.padTokenId == 1 && tok.clsTokenId == 0 && tok.sepTokenId == 2, "\(name)")
            #expect(cases.count > 100, "\(name)")
            for c in cases {
                let options = c.options?.encodeOptions ?? EncodeOptions()
                let label = "\(name) \(c.text.debugDescription) pair \(c.pair.debugDescription) \(String(describing: c.options?.encodeOptions))"
                if c.error != nil {
                    #expect(throws: TokenizerError.self, "\(label) (HF: \(c.error!))") { try tok.encodeChecked(c.text, pair: c.pair, options: options) }
                    compared += 1
                    continue
                }
                guard let want = c.expected else { Issue.record("\(label): golden has neither expected nor error"); continue }
                let got = try tok.encodeChecked(c.text, pair: c.pair, options: options)
                if let d = difference(got, want) { Issue.record("\(label): \(d) (\(g.versions))") }
                #expect(want.word_ids != nil, "\(label): the golden lacks word ids")
                compared += 1
                let plain = tok.encode(c.text, options: EncodeOptions(addSpecialTokens: false))
                if let d = c.decoded {
                    #expect(tok.decoder.decode(plain.tokens) == d, "\(label) decode")
                    decodes += 1
                }
                if let cuts = c.decoded_prefixes {
                    let tokens = plain.tokens
                    for (k, want) in cuts.enumerated() {
                        let n = tokens.count + 1 - cuts.count + k
                        let got = tok.decoder.decode(Array(tokens.prefix(n)))
                        #expect(got == want, "\(label) decode of the first \(n) tokens: \(got.debugDescription) vs \(want.debugDescription)")
                        decodes += 1
                    }
                }
            }
        }
        #expect(compared > 500 && decodes > 1000)
    }

    private func load(_ json: String) throws -> Tokenizer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-bpe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(json.utf8).write(to: dir.appendingPathComponent("tokenizer.json"))
        return try Tokenizer(directory: dir)
    }

    private func refusal(_ json: String) -> String? {
        do { _ = try load(json); return nil } catch { return error.localizedDescription }
    }

    @Test func mergesRankThenPositionAsWordMergeAll() throws {
        // "a b" ranks before "b c": "abc" is "ab c"; in "bcbc" both "b c" merge before "bc b" could.
        // (Expectations from tokenizers 0.23.3.)
        let model = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "bc": 4, "abc": 5, "bcb": 6}, "merges": [["a", "b"], ["b", "c"], "bc b"]}}"#
        let tok = try load(model)
        #expect(tok.encode("abc").tokens == ["ab", "c"])
        #expect(tok.encode("bcbc").tokens == ["bc", "bc"])
        #expect(tok.encode("bcbc").offsets == [TokenOffset(0, 2), TokenOffset(2, 4)])
        // ignore_merges takes a whole word in the vocabulary as it is.
        let ignore = try load(#"{"model": {"type": "BPE", "ignore_merges": true, "vocab": {"a": 0, "b": 1, "ab": 2, "ba": 3, "aba": 4}, "merges": ["a b"]}}"#)
        #expect(ignore.encode("aba").tokens == ["aba"])
        #expect(ignore.encode("abab").tokens == ["ab", "ab"])
    }

    @Test func unknownCharactersFuseOrDrop() throws {
        let fused = try load(#"{"model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "vocab": {"<unk>": 0, "a": 1}, "merges": []}}"#)
        #expect(fused.encode("axyza").tokens == ["a", "<unk>", "a"])
        #expect(fused.encode("axyza").offsets == [TokenOffset(0, 1), TokenOffset(1, 4), TokenOffset(4, 5)])
        let single = try load(#"{"model": {"type": "BPE", "unk_token": "<unk>", "vocab": {"<unk>": 0, "a": 1}, "merges": []}}"#)
        #expect(single.encode("axya").tokens == ["a", "<unk>", "<unk>", "a"])
        // No unknown token: HF drops the character, and the pieces after it shift by its bytes.
        let dropping = try load(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}}"#)
        #expect(dropping.encode("axb").tokens == ["a", "b"])
        #expect(dropping.encode("axb").offsets == [TokenOffset(0, 1), TokenOffset(1, 2)])
        #expect(dropping.encode("a\u{E9}b").offsets == [TokenOffset(0, 1), TokenOffset(1, 2)])
    }

    @Test func badFilesAreNamed() {
        let notPair = refusal(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b c"]}}"#)
        #expect(notPair?.contains("model.merges[0]") == true, "\(notPair ?? "accepted")")
        let notList = refusal(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a"]]}}"#)
        #expect(notList?.contains("model.merges[0] is not a pair") == true, "\(notList ?? "accepted")")
        let missing = refusal(#"{"model": {"type": "BPE", "vocab": {"a": 0, "ab": 1}, "merges": ["a b"]}}"#)
        #expect(missing?.contains("\"b\" is not in the vocabulary") == true, "\(missing ?? "accepted")")
        let merged = refusal(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}}"#)
        #expect(merged?.contains("merged token \"ab\"") == true, "\(merged ?? "accepted")")
        let dropout = refusal(#"{"model": {"type": "BPE", "dropout": 0.1, "vocab": {"a": 0}, "merges": []}}"#)
        #expect(dropout?.contains("model.dropout") == true, "\(dropout ?? "accepted")")
        #expect(refusal(#"{"model": {"type": "BPE", "dropout": 0.0, "vocab": {"a": 0}, "merges": []}}"#) == nil)
        let twoAdders = refusal(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "post_processor": {"type": "Sequence", "processors": [{"type": "RobertaProcessing", "sep": ["a", 0], "cls": ["a", 0]}, {"type": "RobertaProcessing", "sep": ["a", 0], "cls": ["a", 0]}]}}"#)
        #expect(twoAdders?.contains("post_processor.processors[1]") == true, "\(twoAdders ?? "accepted")")
    }

    @Test func gpt2RegexSplitsAsOniguruma() {
        func split(_ s: String) -> [String] {
            let c = s.unicodeScalars.map(\.value)
            var out: [Range<Int>] = []
            ByteLevel.gpt2Split(c, into: &out)
            return out.map { r in String(String.UnicodeScalarView(c[r].compactMap(Unicode.Scalar.init))) }
        }
        #expect(split("Hello world") == ["Hello", " world"])
        #expect(split("it's  ok \n") == ["it", "'s", " ", " ok", " \n"])
        #expect(split("a   b") == ["a", "  ", " b"])
        #expect(split(" 's x'll") == [" '", "s", " x", "'ll"])
        #expect(split("12ab!? ") == ["12", "ab", "!?", " "])
    }

    @Test func concurrentEncodingIsDeterministic() throws {
        let tok = try Tokenizer(directory: TestPaths.fixture("tokenizer-bpe/roberta"))
        let texts = (0..<400).map { "text \($0): technology news 😀 café \($0 * 7919) it's" }
        let serial = texts.map { tok.encode($0) }
        #expect(tok.encodeBatch(texts) == serial)
    }
}
