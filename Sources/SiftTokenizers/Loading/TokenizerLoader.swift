import Foundation

/// Reads a tokenizer description from a model folder into Sift's components. A component Sift does
/// not implement is refused by name rather than approximated.
public struct TokenizerSpec: Sendable {
    public var normalizer: Normalizer?
    public var preTokenizer: PreTokenizer?
    public var model: TokenizerModel
    public var postProcessor: PostProcessor?
    public var addedTokens: [AddedToken]
    public var modelMaxLength: Int?
    public var padToken: String
    /// Tokens back to text (entity words).
    public var decoder: TokenDecoder
}

public enum TokenizerLoader {
    public static func load(directory: URL) throws -> TokenizerSpec {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw TokenizerError.fileNotFound("model folder \(directory.path) does not exist")
        }
        let config = try readConfig(directory.appendingPathComponent("tokenizer_config.json"))
        let json = directory.appendingPathComponent("tokenizer.json")
        var spec: TokenizerSpec
        if fm.fileExists(atPath: json.path) {
            spec = try TokenizerJSON.load(json)
        } else {
            let vocab = directory.appendingPathComponent("vocab.txt")
            guard fm.fileExists(atPath: vocab.path) else {
                throw TokenizerError.fileNotFound("\(directory.path) has neither tokenizer.json nor vocab.txt")
            }
            spec = try fromVocabFile(vocab, config: config)
        }
        if let m = config["model_max_length"] as? Int, m > 0, m < 1_000_000 { spec.modelMaxLength = m }
        if let pad = tokenString(config["pad_token"]) { spec.padToken = pad }
        return spec
    }

    private static func readConfig(_ url: URL) throws -> [String: Any] {
        guard let data = try? Data(contentsOf: url) else { return [:] }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError.malformedFile(file: url.path, reason: "not a JSON object")
        }
        return obj
    }

    /// `tokenizer_config.json` stores special tokens as strings or as `{"content": ...}` objects.
    private static func tokenString(_ v: Any?) -> String? {
        if let s = v as? String { return s }
        if let d = v as? [String: Any] { return d["content"] as? String }
        return nil
    }

    // MARK: vocab.txt + tokenizer_config.json (what transformers' BertConverter builds)

    static func fromVocabFile(_ url: URL, config: [String: Any]) throws -> TokenizerSpec {
        guard let data = try? Data(contentsOf: url) else { throw TokenizerError.fileNotFound("cannot read \(url.path)") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.malformedFile(file: url.path, reason: "not valid UTF-8")
        }
        var vocab = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var s = String(line)
            if s.hasSuffix("\r") { s.removeLast() }
            return s
        }
        if vocab.last == "" { vocab.removeLast() }
        guard !vocab.isEmpty else { throw TokenizerError.malformedFile(file: url.path, reason: "the vocabulary is empty") }
        let unk = tokenString(config["unk_token"]) ?? "[UNK]"
        let sep = tokenString(config["sep_token"]) ?? "[SEP]"
        let cls = tokenString(config["cls_token"]) ?? "[CLS]"
        let pad = tokenString(config["pad_token"]) ?? "[PAD]"
        let mask = tokenString(config["mask_token"]) ?? "[MASK]"
        let lower = config["do_lower_case"] as? Bool ?? true
        let normalizer = BertNormalizer(cleanText: true,
                                        handleChineseChars: config["tokenize_chinese_chars"] as? Bool ?? true,
                                        stripAccents: config["strip_accents"] as? Bool, lowercase: lower)
        let wp: WordPiece
        do { wp = try WordPiece(vocab: vocab, unkToken: unk) }
        catch { throw TokenizerError.malformedFile(file: url.path, reason: error.localizedDescription) }
        guard let clsId = wp.tokenToId[cls], let sepId = wp.tokenToId[sep] else {
            throw TokenizerError.malformedFile(file: url.path, reason: "the vocabulary lacks \(cls) or \(sep)")
        }
        var added: [AddedToken] = []
        for t in [pad, unk, cls, sep, mask] where added.allSatisfy({ $0.content != t }) {
            if let id = wp.tokenToId[t] { added.append(AddedToken(content: t, id: id)) }
        }
        // never_split words are kept whole, as the slow tokenizer's basic tokenizer does.
        for t in (config["never_split"] as? [String]) ?? [] where added.allSatisfy({ $0.content != t }) {
            if let id = wp.tokenToId[t] { added.append(AddedToken(content: t, id: id, singleWord: true, special: false)) }
        }
        let post = TemplateProcessor(
            single: [.special(ids: [clsId], typeId: 0), .sequence(first: true, typeId: 0), .special(ids: [sepId], typeId: 0)],
            pair: [.special(ids: [clsId], typeId: 0), .sequence(first: true, typeId: 0), .special(ids: [sepId], typeId: 0),
                   .sequence(first: false, typeId: 1), .special(ids: [sepId], typeId: 1)])
        return TokenizerSpec(normalizer: .bert(normalizer), preTokenizer: .bert, model: .wordPiece(wp),
                             postProcessor: .template(post), addedTokens: added, modelMaxLength: nil, padToken: pad,
                             decoder: .wordPiece(WordPieceDecoder()))
    }
}
