import Foundation
import Testing
@testable import SiftTokenizers
import SiftTestSupport

private func tempDir() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-tok-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

@Suite struct LoadingErrorTests {
    @Test func unsupportedModelIsRefusedByName() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = #"{"normalizer": null, "pre_tokenizer": {"type": "CharDelimiterSplit"}, "model": {"type": "WordLevel", "vocab": {"a": 0}}}"#
        try Data(json.utf8).write(to: dir.appendingPathComponent("tokenizer.json"))
        #expect(throws: TokenizerError.unsupportedComponent(file: dir.appendingPathComponent("tokenizer.json").path,
                                                           component: "pre_tokenizer", type: "CharDelimiterSplit")) {
            try Tokenizer(directory: dir)
        }
        let wordLevel = #"{"pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordLevel", "vocab": {"a": 0}}}"#
        try Data(wordLevel.utf8).write(to: dir.appendingPathComponent("tokenizer.json"))
        do {
            _ = try Tokenizer(directory: dir)
            Issue.record("a WordLevel model must be refused")
        } catch {
            #expect(error.localizedDescription.contains("WordLevel"))
            #expect(error.localizedDescription.contains("tokenizer.json"))
        }
    }

    @Test func malformedAndMissingFilesNameTheFile() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: TokenizerError.self) { try Tokenizer(directory: dir) }   // neither file
        do { _ = try Tokenizer(directory: dir) } catch { #expect(error.localizedDescription.contains("vocab.txt")) }
        try Data("{not json".utf8).write(to: dir.appendingPathComponent("tokenizer.json"))
        do { _ = try Tokenizer(directory: dir); Issue.record("malformed JSON accepted") }
        catch { #expect(error.localizedDescription.contains("tokenizer.json")) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("tokenizer.json"))
        try Data([0x5B, 0x55, 0x4E, 0x4B, 0x5D, 0x0A, 0xFF, 0xFE]).write(to: dir.appendingPathComponent("vocab.txt"))
        do { _ = try Tokenizer(directory: dir); Issue.record("invalid UTF-8 vocabulary accepted") }
        catch { #expect(error.localizedDescription.contains("vocab.txt")) }
        try Data("hello\nworld\n".utf8).write(to: dir.appendingPathComponent("vocab.txt"))
        do { _ = try Tokenizer(directory: dir); Issue.record("a vocabulary without [UNK] accepted") }
        catch { #expect(error.localizedDescription.contains("[UNK]")) }
        #expect(throws: TokenizerError.self) { try Tokenizer(directory: dir.appendingPathComponent("nope")) }
    }

    @Test func tinyVocabularyFromScratch() throws {
        // A hand-made vocabulary: greedy longest match, continuation pieces, and [UNK] for any unmatched rest.
        let wp = try WordPiece(vocab: ["[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "##a", "aff", "!"], unkToken: "[UNK]")
        let tok = Tokenizer(normalizer: BertNormalizer(), wordPiece: wp,
                            postProcessor: TemplateProcessor(single: [.special(ids: [1], typeId: 0), .sequence(first: true, typeId: 0), .special(ids: [2], typeId: 0)],
                                                             pair: []), addedTokens: [])
        let e = tok.encode("UNAFFABLE! unx")
        #expect(e.tokens == ["[CLS]", "un", "##aff", "##able", "!", "[UNK]", "[SEP]"])
        #expect(e.offsets.map { [$0.start, $0.end] } == [[0, 0], [0, 2], [2, 5], [5, 9], [9, 10], [11, 14], [0, 0]])
    }
}

@Suite struct BatchAndLimitsTests {
    @Test func batchEqualsOneByOneAndPadsToLongest() throws {
        try requireMiniLM()
        let tok = try Tokenizer(directory: TestPaths.miniLM)
        let texts = (0..<300).map { i in String(repeating: "word\(i) 中文 café ", count: i % 17 + 1) }
        let batch = tok.encodeBatch(texts, options: EncodeOptions(maxLength: 64, padding: .longest))
        let longest = texts.map { tok.encode($0, options: EncodeOptions(maxLength: 64)).count }.max()!
        #expect(batch.count == texts.count)
        for (t, e) in zip(texts, batch) {
            var one = tok.encode(t, options: EncodeOptions(maxLength: 64))
            one.pad(to: longest, padId: tok.padTokenId)
            #expect(e == one)
            #expect(e.count == longest)
        }
    }

    @Test func veryLongTextsAndWordsNeverCrash() throws {
        try requireMiniLM()
        let tok = try Tokenizer(directory: TestPaths.miniLM)
        let long = String(repeating: "token ", count: 20_000)
        let e = tok.encode(long)
        #expect(e.count == 20_002)  // no 512 limit unless asked
        let cut = tok.encode(long, options: EncodeOptions(maxLength: 512, stride: 128))
        #expect(cut.count == 512)
        #expect(cut.overflowing.count == Int((20_000.0 - 510) / (510 - 128)).advanced(by: 1))
        #expect(cut.overflowing.allSatisfy { $0.count <= 512 && $0.ids.first == tok.clsTokenId })
        let word = tok.encode(String(repeating: "x", count: 5000))
        #expect(word.ids == [tok.clsTokenId, tok.unkTokenId, tok.sepTokenId])
        #expect(word.offsets[1] == TokenOffset(0, 5000))
        // Lone surrogates cannot exist in Swift strings; invalid scalars arrive as U+FFFD and are cleaned.
        #expect(tok.encode("\u{FFFD}\u{0}").ids == [tok.clsTokenId, tok.sepTokenId])
    }
}
