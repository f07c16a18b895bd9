import Foundation

/// Reads a tokenizer description from a model folder into Sift's components. A component Sift does
/// not implement is refused by name rather than approximated.
public struct TokenizerSpec: Sendable {
    public var normalizer: BertNormalizer
    public var wordPiece: WordPiece
    public var postProcessor: TemplateProcessor?
    public var addedTokens: [AddedToken]
    public var modelMaxLength: Int?
    public var padToken: String
    /// Tokens back to text (entity words); tokenizer.json's WordPiece decoder, else the default.
    public var decoder = WordPieceDecoder()
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
            spec = try fromTokenizerJSON(json)
        } else {
            let vocab = directory.appendingPathComponent("vocab.txt")
            guard fm.fileExists(atPath: vocab.path) else {
                throw TokenizerError.fileNotFound("\(directory.path) has neither tokenizer.json nor vocab.txt")
            }
            spec = try fromVocabFile(vocab, config: config)
        }
        if let m = config["model_max_length"] as? Int, m > 0, m < 1_000_000 { spec.modelMaxLength = m }
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
        return TokenizerSpec(normalizer: normalizer, wordPiece: wp, postProcessor: post, addedTokens: added,
                             modelMaxLength: nil, padToken: pad)
    }

    // MARK: tokenizer.json

    static func fromTokenizerJSON(_ url: URL) throws -> TokenizerSpec {
        let file = url.path
        guard let data = try? Data(contentsOf: url) else { throw TokenizerError.fileNotFound("cannot read \(file)") }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TokenizerError.malformedFile(file: file, reason: "not a JSON object")
        }
        // Normalizer
        var normalizer = BertNormalizer(cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false)
        if let n = root["normalizer"] as? [String: Any] {
            let type = n["type"] as? String ?? "?"
            guard type == "BertNormalizer" else { throw TokenizerError.unsupportedComponent(file: file, component: "normalizer", type: type) }
            normalizer = BertNormalizer(cleanText: n["clean_text"] as? Bool ?? true,
                                        handleChineseChars: n["handle_chinese_chars"] as? Bool ?? true,
                                        stripAccents: n["strip_accents"] as? Bool,
                                        lowercase: n["lowercase"] as? Bool ?? true)
        } else if !(root["normalizer"] is NSNull) && root["normalizer"] != nil {
            throw TokenizerError.malformedFile(file: file, reason: "normalizer is not an object")
        }
        // Pre-tokenizer
        let pre = root["pre_tokenizer"] as? [String: Any]
        let preType = pre?["type"] as? String ?? "none"
        guard preType == "BertPreTokenizer" else {
            throw TokenizerError.unsupportedComponent(file: file, component: "pre_tokenizer", type: preType)
        }
        // Model
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerError.malformedFile(file: file, reason: "missing \"model\"")
        }
        let modelType = model["type"] as? String ?? (model["continuing_subword_prefix"] != nil ? "WordPiece" : "?")
        guard modelType == "WordPiece" else { throw TokenizerError.unsupportedComponent(file: file, component: "model", type: modelType) }
        guard let vocabMap = model["vocab"] as? [String: Any], !vocabMap.isEmpty else {
            throw TokenizerError.malformedFile(file: file, reason: "model.vocab is missing or empty")
        }
        var maxId = -1
        var pairs: [(String, Int)] = []
        pairs.reserveCapacity(vocabMap.count)
        for (token, v) in vocabMap {
            guard let id = v as? Int, id >= 0, id < 10_000_000 else {
                throw TokenizerError.malformedFile(file: file, reason: "model.vocab[\"\(token)\"] is not a valid id")
            }
            pairs.append((token, id)); maxId = max(maxId, id)
        }
        var vocab = [String](repeating: "", count: maxId + 1)
        for (t, id) in pairs { vocab[id] = t }
        let unk = model["unk_token"] as? String ?? "[UNK]"
        let wp: WordPiece
        do {
            wp = try WordPiece(vocab: vocab, unkToken: unk,
                               continuingSubwordPrefix: model["continuing_subword_prefix"] as? String ?? "##",
                               maxInputCharsPerWord: model["max_input_chars_per_word"] as? Int ?? 100)
        } catch { throw TokenizerError.malformedFile(file: file, reason: error.localizedDescription) }
        // Added tokens
        var added: [AddedToken] = []
        for (i, t) in ((root["added_tokens"] as? [[String: Any]]) ?? []).enumerated() {
            guard let content = t["content"] as? String, let id = t["id"] as? Int else {
                throw TokenizerError.malformedFile(file: file, reason: "added_tokens[\(i)] needs content and id")
            }
            added.append(AddedToken(content: content, id: Int32(id), singleWord: t["single_word"] as? Bool ?? false,
                                    lstrip: t["lstrip"] as? Bool ?? false, rstrip: t["rstrip"] as? Bool ?? false,
                                    special: t["special"] as? Bool ?? false))
        }
        // Post-processor
        var post: TemplateProcessor? = nil
        if let p = root["post_processor"] as? [String: Any] {
            let type = p["type"] as? String ?? "?"
            switch type {
            case "TemplateProcessing":
                var specials: [String: [Int32]] = [:]
                for (name, v) in (p["special_tokens"] as? [String: Any]) ?? [:] {
                    guard let ids = (v as? [String: Any])?["ids"] as? [Int] else {
                        throw TokenizerError.malformedFile(file: file, reason: "post_processor.special_tokens[\"\(name)\"] has no ids")
                    }
                    specials[name] = ids.map { Int32($0) }
                }
                func pieces(_ key: String) throws -> [TemplateProcessor.Piece] {
                    guard let arr = p[key] as? [[String: Any]] else {
                        throw TokenizerError.malformedFile(file: file, reason: "post_processor.\(key) is missing")
                    }
                    return try arr.map { piece in
                        if let s = piece["Sequence"] as? [String: Any] {
                            return .sequence(first: (s["id"] as? String) != "B", typeId: Int32(s["type_id"] as? Int ?? 0))
                        }
                        if let s = piece["SpecialToken"] as? [String: Any], let name = s["id"] as? String {
                            guard let ids = specials[name] else {
                                throw TokenizerError.malformedFile(file: file, reason: "post_processor uses \(name), which special_tokens lacks")
                            }
                            return .special(ids: ids, typeId: Int32(s["type_id"] as? Int ?? 0))
                        }
                        throw TokenizerError.malformedFile(file: file, reason: "post_processor.\(key) has an unknown piece")
                    }
                }
                post = TemplateProcessor(single: try pieces("single"), pair: try pieces("pair"))
            case "BertProcessing":
                guard let sep = p["sep"] as? [Any], sep.count == 2, let sepId = sep[1] as? Int,
                      let cls = p["cls"] as? [Any], cls.count == 2, let clsId = cls[1] as? Int else {
                    throw TokenizerError.malformedFile(file: file, reason: "BertProcessing needs sep and cls as [token, id]")
                }
                let c = Int32(clsId), s = Int32(sepId)
                post = TemplateProcessor(
                    single: [.special(ids: [c], typeId: 0), .sequence(first: true, typeId: 0), .special(ids: [s], typeId: 0)],
                    pair: [.special(ids: [c], typeId: 0), .sequence(first: true, typeId: 0), .special(ids: [s], typeId: 0),
                           .sequence(first: false, typeId: 1), .special(ids: [s], typeId: 1)])
            default:
                throw TokenizerError.unsupportedComponent(file: file, component: "post_processor", type: type)
            }
        }
        let padToken = ((root["padding"] as? [String: Any])?["pad_token"] as? String) ?? "[PAD]"
        var spec = TokenizerSpec(normalizer: normalizer, wordPiece: wp, postProcessor: post, addedTokens: added,
                                 modelMaxLength: nil, padToken: padToken)
        if let d = root["decoder"] as? [String: Any], d["type"] as? String == "WordPiece" {
            spec.decoder = WordPieceDecoder(prefix: d["prefix"] as? String ?? "##", cleanup: d["cleanup"] as? Bool ?? true)
        }
        return spec
    }
}
