import Foundation
import Testing
@testable import SiftTokenizers
import SiftTestSupport

/// Goldens of scripts/fixtures/make_precompiled_goldens.py: Hugging Face `tokenizers` on the real
/// multilingual-e5-small tokenizer.json (XLM-R's SentencePiece charsmap), which scripts/setup.sh installs.
private struct PrecompiledGoldens: Decodable {
    struct Case: Decodable {
        let text: String
        let pair: String?
        let options: GoldenOptions?
        let normalized: String
        let expected: ExpectedEncoding
    }
    let versions: [String: String]
    /// Code point (hex) → what the normalizer makes of it alone, for every code point it changes.
    let single: [String: String]
    let texts: [Case]
}

@Suite struct PrecompiledParityTests {
    private static func load() throws -> (PrecompiledGoldens, Tokenizer) {
        let dir = TestPaths.repoRoot.appendingPathComponent(".models/multilingual-e5-small")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("tokenizer.json").path) else {
            throw TokenizerError.fileNotFound("\(dir.path) is missing: run scripts/setup.sh")
        }
        let g = try JSONDecoder().decode(PrecompiledGoldens.self,
                                         from: Data(contentsOf: TestPaths.fixture("tokenizer-precompiled/goldens.json")))
        return (g, try Tokenizer(directory: dir))
    }

    private static func normalize(_ n: Normalizer, _ text: String, scratch: inout NormalizerScratch) -> String {
        let input = text.unicodeScalars.map(\.value)
        var out: [UInt32] = [], origin: [Int32] = []
        input.withUnsafeBufferPointer { n.normalize($0, range: 0..<$0.count, into: &out, origin: &origin, scratch: &scratch) }
        #expect(origin.count == out.count && origin.allSatisfy { $0 >= 0 && Int($0) < input.count })
        var s = String.UnicodeScalarView()
        for c in out { s.append(Unicode.Scalar(c)!) }
        return String(s)
    }

    /// Every code point alone, unchanged ones included: 1,112,064 lookups of the trie.
    @Test func everyCodePointAloneMatchesHuggingFace() throws {
        let (g, tok) = try Self.load()
        let n = try #require(tok.normalizer)
        #expect(g.single.count > 1000, "the golden lists \(g.single.count) changed code points")
        var scratch = NormalizerScratch(), wrong: [String] = [], checked = 0
        for cp in UInt32(0)..<0x110000 where !(0xD800...0xDFFF).contains(cp) {
            let c = String(Unicode.Scalar(cp)!)
            let want = g.single[String(cp, radix: 16, uppercase: true)] ?? c
            let got = Self.normalize(n, c, scratch: &scratch)
            if got != want { wrong.append(String(format: "U+%04X: %@ vs %@", cp, got.debugDescription, want.debugDescription)) }
            checked += 1
        }
        #expect(checked == 1_112_064)
        #expect(wrong.isEmpty, "\(wrong.count) code points differ, first: \(wrong.prefix(8)) (\(g.versions))")
    }

    /// Clusters, expansions, removals and real reviews: the normalized text and the full encoding
    /// (ids, pieces, offsets into the original text, pairs, overflow windows).
    @Test func textsMatchHuggingFace() throws {
        let (g, tok) = try Self.load()
        let n = try #require(tok.normalizer)
        #expect(g.texts.count > 170)
        var scratch = NormalizerScratch()
        for c in g.texts {
            #expect(Self.normalize(n, c.text, scratch: &scratch) == c.normalized, "normalized \(c.text.debugDescription)")
            let got = tok.encode(c.text, pair: c.pair, options: c.options?.encodeOptions ?? EncodeOptions())
            if let d = difference(got, c.expected) {
                Issue.record("\(c.text.debugDescription) pair \(c.pair.debugDescription): \(d) (\(g.versions))")
            }
        }
    }

    @Test func corruptMapsAreRefusedOrFindNothing() throws {
        #expect(throws: TokenizerError.self) { try PrecompiledCharsMap([1, 0]) }
        #expect(throws: TokenizerError.self) { try PrecompiledCharsMap([200, 0, 0, 0, 1, 2, 3, 4]) }
        #expect(throws: TokenizerError.self) { try PrecompiledCharsMap([4, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFE]) }
        // A trie whose units point anywhere: lookups stay in bounds and find nothing.
        var bytes: [UInt8] = [16, 0, 0, 0]
        for _ in 0..<4 { bytes += [0xFF, 0xFF, 0xFF, 0x7F] }
        bytes += Array("a\0".utf8)
        let map = try PrecompiledCharsMap(bytes)
        var scratch = NormalizerScratch()
        #expect(Self.normalize(.precompiled(map), "héllo ™ 中文", scratch: &scratch) == "héllo ™ 中文")
    }
}
