import Foundation
import Testing
@testable import SiftTokenizers
import SiftTestSupport

/// Goldens of scripts/fixtures/make_unigram_goldens.py: small Unigram tokenizers trained by Hugging
/// Face `tokenizers` (NFKC + Replace or no normalizer; Metaspace always / first / never; byte fallback).
private struct UnigramGoldens: Decodable {
    struct Case: Decodable {
        let text: String
        let pair: String?
        let options: GoldenOptions?
        let expected: ExpectedEncoding
        let decoded: String?
    }
    let versions: [String: String]
    let configs: [String: [Case]]
}

@Suite struct UnigramParityTests {
    private static func goldens() throws -> UnigramGoldens {
        let url = TestPaths.fixture("tokenizer-unigram/goldens.json")
        return try JSONDecoder().decode(UnigramGoldens.self, from: Data(contentsOf: url))
    }

    @Test func trainedTokenizersMatchHuggingFace() throws {
        let g = try Self.goldens()
        #expect(g.configs.count == 3)
        for (name, cases) in g.configs.sorted(by: { $0.key < $1.key }) {
            let tok = try Tokenizer(directory: TestPaths.fixture("tokenizer-unigram/\(name)"))
            #expect(tok.padTokenId == 1 && tok.clsTokenId == 0 && tok.sepTokenId == 2, "\(name)")
            for c in cases {
                let got = tok.encode(c.text, pair: c.pair, options: c.options?.encodeOptions ?? EncodeOptions())
                if let d = difference(got, c.expected) {
                    Issue.record("\(name) \(c.text.debugDescription) pair \(c.pair.debugDescription): \(d) (\(g.versions))")
                }
                if let want = c.decoded {
                    let plain = tok.encode(c.text, options: EncodeOptions(addSpecialTokens: false))
                    #expect(tok.decoder.decode(plain.tokens) == want, "\(name) decode \(c.text.debugDescription)")
                }
            }
        }
    }

    @Test func metaspaceLegacyFieldAndUnknownComponentsAreNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-unigram-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tokenizer.json")
        // The older Metaspace form (add_prefix_space) means prepend_scheme "always".
        let legacy = #"{"pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "add_prefix_space": true}, "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["▁a", -1.0], ["b", -2.0], ["▁", -3.0]]}}"#
        try Data(legacy.utf8).write(to: file)
        let tok = try Tokenizer(directory: dir)
        #expect(tok.encode("a b  c").tokens == ["▁a", "▁", "b", "▁", "▁", "<unk>"])
        let bad = #"{"normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Nmt"}]}, "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]}}"#
        try Data(bad.utf8).write(to: file)
        #expect(throws: TokenizerError.unsupportedComponent(file: file.path, component: "normalizer.normalizers[1]", type: "Nmt")) {
            try Tokenizer(directory: dir)
        }
    }
}
