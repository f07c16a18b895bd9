import Foundation
import Testing
@testable import SiftTokenizers
import SiftTestSupport

/// Expected output of one encoding, as written by scripts/fixtures/make_tokenizer_goldens.py.
struct ExpectedEncoding: Decodable {
    let ids: [Int32]
    let type_ids: [Int32]
    let attention_mask: [Int32]
    let special_tokens_mask: [Int32]
    let offsets: [[Int]]
    let tokens: [String]?
    /// Hugging Face `word_ids` (null for special and padding tokens), where the golden has them.
    let word_ids: [Int32?]?
    let overflowing: [ExpectedEncoding]
}

struct GoldenOptions: Decodable {
    let max_length: Int?
    let stride: Int?
    let truncation: String?
    let add_special_tokens: Bool?
    let pad_to: Int?

    var encodeOptions: EncodeOptions {
        EncodeOptions(addSpecialTokens: add_special_tokens ?? true, maxLength: max_length,
                      truncation: TruncationStrategy(rawValue: truncation ?? "longest_first") ?? .longestFirst,
                      stride: stride ?? 0, padding: pad_to.map { .fixed($0) } ?? .none)
    }
}

/// Must match `canonical()` in the golden script: a digest of this string is what the corpus stores.
func canonicalString(_ e: Encoding) -> String {
    var s = "ids:" + e.ids.map(String.init).joined(separator: ",")
    s += "|t:" + e.typeIds.map(String.init).joined(separator: ",")
    s += "|m:" + e.attentionMask.map(String.init).joined(separator: ",")
    s += "|s:" + e.specialTokensMask.map(String.init).joined(separator: ",")
    s += "|o:" + e.offsets.map { "\($0.start)-\($0.end)" }.joined(separator: ",")
    for o in e.overflowing { s += "|ov[" + canonicalString(o) + "]" }
    return s
}

func fnv1a(_ s: String) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 { h ^= UInt64(b); h = h &* 0x100_0000_01b3 }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

/// Describes the first difference between Sift's encoding and the golden one, or nil when equal.
/// `addedIds`: token strings at these ids are not compared (Hugging Face reports the text an added
/// token matched, e.g. normalized `covid-19` for `COVID-19`; Sift reports the token's content).
func difference(_ got: Encoding, _ want: ExpectedEncoding, path: String = "", addedIds: Set<Int32> = []) -> String? {
    func first<T: Equatable>(_ name: String, _ a: [T], _ b: [T]) -> String? {
        guard a != b else { return nil }
        let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        return "\(path)\(name) differ at \(i) (count \(a.count) vs \(b.count)): sift \(a.dropFirst(max(0, i - 2)).prefix(6)) hf \(b.dropFirst(max(0, i - 2)).prefix(6))"
    }
    if let d = first("ids", got.ids, want.ids) { return d }
    if let d = first("type_ids", got.typeIds, want.type_ids) { return d }
    if let d = first("attention_mask", got.attentionMask, want.attention_mask) { return d }
    if let d = first("special_tokens_mask", got.specialTokensMask, want.special_tokens_mask) { return d }
    if let d = first("offsets", got.offsets.map { [$0.start, $0.end] }, want.offsets) { return d }
    if let t = want.tokens {
        let keep = { (i: Int) in i < got.ids.count && !addedIds.contains(got.ids[i]) }
        if let d = first("tokens", got.tokens.enumerated().map { keep($0.offset) ? $0.element : "" },
                         t.enumerated().map { keep($0.offset) ? $0.element : "" }) { return d }
    }
    if let w = want.word_ids, let d = first("word_ids", got.wordIds, w.map { $0 ?? -1 }) { return d }
    if got.overflowing.count != want.overflowing.count {
        return "\(path)overflowing count \(got.overflowing.count) vs \(want.overflowing.count)"
    }
    for (i, (g, w)) in zip(got.overflowing, want.overflowing).enumerated() {
        if let d = difference(g, w, path: "\(path)overflowing[\(i)].", addedIds: addedIds) { return d }
    }
    return nil
}

/// The golden configurations: MiniLM's tokenizer.json with the normalizer flags changed.
enum GoldenConfigs {
    /// Mirrors VOCAB_CONFIGS of the golden script: folders with vocab.txt + tokenizer_config.json only.
    static let vocabConfigs: [String: String] = [
        "vocab-cased": #"{"do_lower_case": false}"#,
        "vocab-uncased-strip-nochinese": #"{"do_lower_case": true, "strip_accents": true, "tokenize_chinese_chars": false}"#,
    ]

    static func tokenizer(_ name: String) throws -> Tokenizer {
        if let config = vocabConfigs[name] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-vocab-\(name)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try FileManager.default.copyItem(at: TestPaths.miniLM.appendingPathComponent("vocab.txt"), to: dir.appendingPathComponent("vocab.txt"))
            try Data(config.utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
            return try Tokenizer(directory: dir)
        }
        let spec = try TokenizerLoader.load(directory: TestPaths.miniLM)
        guard case .bert(var n) = spec.normalizer, case .wordPiece(let wordPiece) = spec.model,
              case .template(let post) = spec.postProcessor else {
            throw TokenizerError.invalidConfiguration("MiniLM's tokenizer.json is not BERT-shaped")
        }
        switch name {
        case "uncased": break
        case "cased": n.lowercase = false; n.stripAccents = nil
        case "cased-strip": n.lowercase = false; n.stripAccents = true
        case "uncased-keep-accents": n.lowercase = true; n.stripAccents = false
        case "no-chinese-no-clean": n.handleChineseChars = false; n.cleanText = false
        default: throw TokenizerError.invalidConfiguration("unknown golden config \(name)")
        }
        return Tokenizer(normalizer: n, wordPiece: wordPiece, postProcessor: post,
                         addedTokens: spec.addedTokens, modelMaxLength: spec.modelMaxLength, padToken: spec.padToken)
    }
}

func requireMiniLM() throws {
    guard FileManager.default.fileExists(atPath: TestPaths.miniLM.appendingPathComponent("tokenizer.json").path) else {
        throw TokenizerError.fileNotFound("\(TestPaths.miniLM.path) is missing: run scripts/setup.sh")
    }
}
