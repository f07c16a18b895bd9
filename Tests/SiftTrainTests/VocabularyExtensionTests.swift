import Foundation
import Testing
import SiftEngine
import SiftTestSupport
import SiftTokenizers
@testable import SiftTrain

/// `sift vocab extend` on the trainer's tiny base (WordPiece, vocab.txt only; no single letters, so
/// "zebra" is [UNK]); Python's view of a real extended folder is scripts/checks/vocab_interop.sh.
@Suite struct VocabularyExtensionTests {
    static let corpus = ["the zebra and the 猫 said", "zebra zebra 猫 citys", "the citys of 狗 city"]

    func options(minPieces: Int? = 2) -> VocabularyMiningOptions {
        var o = VocabularyMiningOptions()
        o.minCount = 2; o.minPieces = minPieces
        return o
    }

    @Test func miningCountsUnknownAndFragmentedWords() throws {
        let tok = try Tokenizer(directory: TinyTask.base)
        #expect(tok.words("Zebra citys 猫").map(\.text) == ["zebra", "citys", "猫"], "normalized, CJK split off")
        let m = VocabularyExtension.mine(Self.corpus, tokenizer: tok, options: options())
        #expect(m.candidates.map(\.token) == ["zebra", "猫", "citys"], "unknown by count, then fragmented; 狗 once is below --min-count")
        #expect(m.candidates.map(\.count) == [3, 2, 2])
        #expect(m.candidates.map(\.gap) == [.unknown, .unknown, .fragmented])
        #expect(m.candidates[2].oldIds == [tok.id(for: "city")!, tok.id(for: "##s")!])
        #expect(m.texts == 3 && m.unknownTokens == 6, "zebra ×3, 猫 ×2, 狗")
        #expect(m.unknownAfter == 1 && m.tokensAfter == m.tokens - 2)
        let onlyUnknown = VocabularyExtension.mine(Self.corpus, tokenizer: tok, options: options(minPieces: nil))
        #expect(onlyUnknown.candidates.map(\.token) == ["zebra", "猫"])
        var capped = options()
        capped.maxNew = 1
        let one = VocabularyExtension.mine(Self.corpus, tokenizer: tok, options: capped)
        #expect(one.candidates.map(\.token) == ["zebra"] && one.leftOut == 2)
    }

    @Test func theExtendedFolderTokenizesAndEmbedsTheNewWords() throws {
        let out = TinyTask.tempDir().appendingPathComponent("extended")
        defer { try? FileManager.default.removeItem(at: out.deletingLastPathComponent()) }
        let tok = try Tokenizer(directory: TinyTask.base)
        let m = VocabularyExtension.mine(Self.corpus, tokenizer: tok, options: options())
        #expect(try VocabularyExtension.write(base: TinyTask.base, adding: m.candidates, to: out).vocabularySize == 208)
        let newTok = try Tokenizer(directory: out)
        #expect(newTok.vocabSize == 208)
        // Old ids keep their meaning; the new words are one token each.
        #expect(newTok.encode("zebra 猫 citys the").ids == [tok.clsTokenId, 205, 206, 207, tok.id(for: "the")!, tok.sepTokenId])
        #expect(newTok.encode("the city of").ids == tok.encode("the city of").ids)
        let base = try BertModel.load(directory: TinyTask.base)
        let grown = try BertModel.load(directory: out)
        #expect(grown.config.vocabSize == 208)
        let C = base.config.hiddenSize
        let e0 = Array(base.parameters["embeddings.word_embeddings.weight"]!), e = Array(grown.parameters["embeddings.word_embeddings.weight"]!)
        #expect(Array(e[0..<(205 * C)]) == e0, "every old row unchanged")
        let mean = (0..<C).map { j in (0..<205).reduce(Float(0)) { $0 + e0[$1 * C + j] } / 205 }
        let city = Int(tok.id(for: "city")!), s = Int(tok.id(for: "##s")!)
        let citys = (0..<C).map { j in (e0[city * C + j] + e0[s * C + j]) / 2 }
        func row(_ r: Int) -> [Float] { Array(e[(r * C)..<((r + 1) * C)]) }
        expectClose(row(205), mean, atol: 1e-6, rtol: 1e-5, "zebra ([UNK]): the mean of all rows")
        expectClose(row(206), mean, atol: 1e-6, rtol: 1e-5, "猫 ([UNK]): the mean of all rows")
        expectClose(row(207), citys, atol: 1e-6, rtol: 1e-5, "citys: the mean of city and ##s")
        // Every other tensor is the base's.
        for entry in base.layout.entries where entry.name != "embeddings.word_embeddings.weight" {
            #expect(Array(grown.parameters[entry.name]!) == Array(base.parameters[entry.name]!), "\(entry.name)")
        }
        let cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(cfg["vocab_size"] as? Int == 208 && cfg["initializer_range"] as? Double == 0.2)
    }

    @Test func badRequestsAreRefusedAndNothingIsOverwritten() throws {
        let dir = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tok = try Tokenizer(directory: TinyTask.base)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return (error as? LocalizedError)?.errorDescription ?? "\(error)" }
        }
        var o = options()
        o.maxNew = 0
        #expect(message { try o.validate() }.contains("--max-new"))
        o = options(); o.minCount = 0
        #expect(message { try o.validate() }.contains("--min-count"))
        #expect(VocabularyExtension.mine(["the city of the state"], tokenizer: tok, options: options()).candidates.isEmpty)
        #expect(message { try VocabularyExtension.write(base: TinyTask.base, adding: [], to: dir.appendingPathComponent("a")) }.contains("nothing to add"))
        let the = VocabularyCandidate(token: "the", count: 9, gap: .fragmented, oldIds: [5])
        #expect(message { try VocabularyExtension.write(base: TinyTask.base, adding: [the], to: dir.appendingPathComponent("b")) }.contains("already in"))
        let mask = VocabularyCandidate(token: "[MASK]", count: 9, gap: .fragmented, oldIds: [4])
        #expect(message { try VocabularyExtension.write(base: TinyTask.base, adding: [mask], to: dir.appendingPathComponent("b")) }.contains("already in"))
        let zebra = VocabularyCandidate(token: "zebra", count: 9, gap: .unknown, oldIds: [1])
        #expect(message { try VocabularyExtension.write(base: TinyTask.base, adding: [zebra, zebra], to: dir.appendingPathComponent("c")) }.contains("given twice"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("c").path), "a refused write leaves nothing")
        // An existing model is never overwritten, the base least of all.
        #expect(message { try VocabularyExtension.write(base: TinyTask.base, adding: [zebra], to: TinyTask.base) }.contains("already holds a model"))
        let bpe = TestPaths.fixture("families/roberta-bpe/base")
        #expect(message { try VocabularyExtension.write(base: bpe, adding: [zebra], to: dir.appendingPathComponent("d")) }.contains("WordPiece"))
        // No staging folder is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }.isEmpty)
    }
}
