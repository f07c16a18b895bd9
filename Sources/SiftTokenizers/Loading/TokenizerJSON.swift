import Foundation

/// Reads a `tokenizer.json` (Hugging Face `tokenizers`' serialization), one component at a time,
/// each switching on its `"type"`. A component Sift does not implement is refused by name.
enum TokenizerJSON {
    typealias Object = [String: Any]

    static func load(_ url: URL) throws -> TokenizerSpec {
        let file = url.path
        guard let data = try? Data(contentsOf: url) else { throw TokenizerError.fileNotFound("cannot read \(file)") }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? Object else {
            throw TokenizerError.malformedFile(file: file, reason: "not a JSON object")
        }
        let r = Reader(file: file)
        let normalizer = try r.optionalObject(root, "normalizer").map { try r.normalizer($0, path: "normalizer") }
        let preTokenizer = try r.optionalObject(root, "pre_tokenizer").map { try r.preTokenizer($0, path: "pre_tokenizer") }
        guard let modelObject = root["model"] as? Object else { throw r.malformed("missing \"model\"") }
        let model = try r.model(modelObject)
        let added = try r.addedTokens(root["added_tokens"])
        let post = try r.optionalObject(root, "post_processor").map { try r.postProcessor($0) }
        var decoder: TokenDecoder
        if let d = try r.optionalObject(root, "decoder") { decoder = try r.decoder(d, path: "decoder") }
        else if case .wordPiece = model { decoder = .wordPiece(WordPieceDecoder()) }
        else { decoder = .none }
        // The padding token: the file's padding section, else the usual names among added tokens.
        var padToken = (root["padding"] as? Object)?["pad_token"] as? String
        if padToken == nil {
            padToken = ["[PAD]", "<pad>"].first { name in added.contains { $0.content == name } || model.id(for: name) != nil }
        }
        return TokenizerSpec(normalizer: normalizer, preTokenizer: preTokenizer, model: model, postProcessor: post,
                             addedTokens: added, modelMaxLength: nil, padToken: padToken ?? "[PAD]", decoder: decoder)
    }

    struct Reader {
        let file: String

        func malformed(_ reason: String) -> TokenizerError { .malformedFile(file: file, reason: reason) }
        func unsupported(_ component: String, _ type: String) -> TokenizerError {
            .unsupportedComponent(file: file, component: component, type: type)
        }

        /// `nil` for an absent or null field; an error for anything but an object.
        func optionalObject(_ o: Object, _ key: String) throws -> Object? {
            guard let v = o[key], !(v is NSNull) else { return nil }
            guard let obj = v as? Object else { throw malformed("\(key) is not an object") }
            return obj
        }

        func type(_ o: Object) -> String { o["type"] as? String ?? "?" }

        func objects(_ o: Object, _ key: String, path: String) throws -> [Object] {
            guard let arr = o[key] as? [Object] else { throw malformed("\(path).\(key) is missing or not a list of objects") }
            return arr
        }

        // MARK: Normalizer

        func normalizer(_ n: Object, path: String) throws -> Normalizer {
            switch type(n) {
            case "BertNormalizer":
                return .bert(BertNormalizer(cleanText: n["clean_text"] as? Bool ?? true,
                                            handleChineseChars: n["handle_chinese_chars"] as? Bool ?? true,
                                            stripAccents: n["strip_accents"] as? Bool,
                                            lowercase: n["lowercase"] as? Bool ?? true))
            case "Sequence":
                return .sequence(try objects(n, "normalizers", path: path).enumerated().map {
                    try normalizer($0.element, path: "\(path).normalizers[\($0.offset)]")
                })
            case "Precompiled":
                guard let b64 = n["precompiled_charsmap"] as? String, !b64.isEmpty else { return .sequence([]) }
                guard let bytes = Data(base64Encoded: b64) else { throw malformed("\(path).precompiled_charsmap is not base64") }
                do { return .precompiled(try PrecompiledCharsMap([UInt8](bytes))) }
                catch {
                    guard case .invalidConfiguration(let reason) = error else { throw error }
                    throw malformed("\(path).precompiled_charsmap: \(reason)")
                }
            case "Replace":
                return .replace(try pattern(n["pattern"], path: "\(path).pattern"), content: n["content"] as? String ?? "")
            case "NFC": return .nfc
            case "NFD": return .nfd
            case "NFKC": return .nfkc
            case "NFKD": return .nfkd
            case "Lowercase": return .lowercase
            case "StripAccents": return .stripAccents
            case "Strip":
                return .strip(left: n["strip_left"] as? Bool ?? true, right: n["strip_right"] as? Bool ?? true)
            case "Prepend":
                guard let p = n["prepend"] as? String else { throw malformed("\(path).prepend is missing") }
                return .prepend(p)
            case let t: throw unsupported(path, t)
            }
        }

        func pattern(_ v: Any?, path: String) throws -> ReplacePattern {
            guard let p = v as? Object else { throw malformed("\(path) is missing") }
            if let s = p["String"] as? String { return .string(s) }
            if let r = p["Regex"] as? String {
                do { return .regex(try CompiledRegex(r)) }
                catch { throw malformed("\(path) regex \"\(r)\" does not compile") }
            }
            throw malformed("\(path) needs \"String\" or \"Regex\"")
        }

        // MARK: Pre-tokenizer

        func preTokenizer(_ p: Object, path: String) throws -> PreTokenizer {
            switch type(p) {
            case "BertPreTokenizer": return .bert
            case "Whitespace": return .whitespace
            case "WhitespaceSplit": return .whitespaceSplit
            case "Metaspace": return .metaspace(try metaspace(p, path: path))
            case "ByteLevel": return .byteLevel(byteLevel(p))
            case "Split":
                let b = p["behavior"] as? String ?? "?"
                guard let behavior = Split.Behavior(rawValue: b) else {
                    throw malformed("\(path).behavior \"\(b)\" is not Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous")
                }
                return .split(Split(pattern: try pattern(p["pattern"], path: "\(path).pattern"), behavior: behavior,
                                    invert: p["invert"] as? Bool ?? false))
            case "Sequence":
                return .sequence(try objects(p, "pretokenizers", path: path).enumerated().map {
                    try preTokenizer($0.element, path: "\(path).pretokenizers[\($0.offset)]")
                })
            case let t: throw unsupported(path, t)
            }
        }

        /// Metaspace's fields, in both forms: `prepend_scheme` (tokenizers ≥ 0.15) or the older `add_prefix_space`.
        func metaspace(_ p: Object, path: String) throws -> Metaspace {
            let rep = (p["replacement"] as? String) ?? (p["str_rep"] as? String) ?? "\u{2581}"
            guard rep.unicodeScalars.count == 1, let r = rep.unicodeScalars.first else {
                throw malformed("\(path).replacement must be one character, not \"\(rep)\"")
            }
            let scheme: Metaspace.PrependScheme
            if let s = p["prepend_scheme"] as? String {
                guard let v = Metaspace.PrependScheme(rawValue: s) else { throw malformed("\(path).prepend_scheme \"\(s)\" is not always, first or never") }
                scheme = v
            } else {
                scheme = (p["add_prefix_space"] as? Bool ?? true) ? .always : .never
            }
            return Metaspace(replacement: r, prependScheme: scheme, split: p["split"] as? Bool ?? true)
        }

        /// ByteLevel's fields, shared by the pre-tokenizer, the post-processor and the decoder (HF's defaults: all true).
        func byteLevel(_ p: Object) -> ByteLevel {
            ByteLevel(addPrefixSpace: p["add_prefix_space"] as? Bool ?? true, trimOffsets: p["trim_offsets"] as? Bool ?? true,
                      useRegex: p["use_regex"] as? Bool ?? true)
        }

        // MARK: Model

        func model(_ m: Object) throws -> TokenizerModel {
            // Older files leave out the type; the fields tell.
            let kind = m["type"] as? String ?? (m["merges"] != nil ? "BPE" : m["continuing_subword_prefix"] != nil ? "WordPiece"
                                                : m["vocab"] is [Any] ? "Unigram" : "?")
            switch kind {
            case "WordPiece": return .wordPiece(try wordPiece(m))
            case "Unigram": return .unigram(try unigram(m))
            case "BPE": return .bpe(try bpe(m))
            case let t: throw unsupported("model", t)
            }
        }

        /// `model.vocab` as a token -> id map, turned into the id -> token table (gaps stay empty).
        func vocabularyTable(_ model: Object) throws -> [String] {
            guard let vocabMap = model["vocab"] as? Object, !vocabMap.isEmpty else {
                throw malformed("model.vocab is missing or empty")
            }
            var maxId = -1
            var pairs: [(String, Int)] = []
            pairs.reserveCapacity(vocabMap.count)
            for (token, v) in vocabMap {
                guard let id = v as? Int, id >= 0, id < 10_000_000 else {
                    throw malformed("model.vocab[\"\(token)\"] is not a valid id")
                }
                pairs.append((token, id)); maxId = max(maxId, id)
            }
            var vocab = [String](repeating: "", count: maxId + 1)
            for (t, id) in pairs { vocab[id] = t }
            return vocab
        }

        func wordPiece(_ model: Object) throws -> WordPiece {
            let vocab = try vocabularyTable(model)
            do {
                return try WordPiece(vocab: vocab, unkToken: model["unk_token"] as? String ?? "[UNK]",
                                     continuingSubwordPrefix: model["continuing_subword_prefix"] as? String ?? "##",
                                     maxInputCharsPerWord: model["max_input_chars_per_word"] as? Int ?? 100)
            } catch { throw malformed(error.localizedDescription) }
        }

        func unigram(_ model: Object) throws -> Unigram {
            guard let vocab = model["vocab"] as? [Any], !vocab.isEmpty else { throw malformed("model.vocab is missing or empty") }
            var pieces: [(String, Double)] = []
            pieces.reserveCapacity(vocab.count)
            for (i, entry) in vocab.enumerated() {
                guard let pair = entry as? [Any], pair.count == 2, let piece = pair[0] as? String,
                      let score = (pair[1] as? NSNumber)?.doubleValue else {
                    throw malformed("model.vocab[\(i)] is not a [piece, score] pair")
                }
                pieces.append((piece, score))
            }
            guard let unk = model["unk_id"] as? Int else {
                throw malformed("model.unk_id is missing; Sift needs an unknown piece for Unigram")
            }
            do { return try Unigram(pieces: pieces, unkId: unk, byteFallback: model["byte_fallback"] as? Bool ?? false) }
            catch { throw malformed("model: \(error.localizedDescription)") }
        }

        /// `model.type == "BPE"`: the vocabulary map and the merges in either serialization, `"a b"`
        /// strings (split on their one space, `#version` lines skipped, as HF does) or `["a", "b"]` pairs.
        func bpe(_ model: Object) throws -> BPE {
            let vocab = try vocabularyTable(model)
            guard let rawMerges = model["merges"] as? [Any] else { throw malformed("model.merges is missing or not a list") }
            var merges: [(String, String)] = []
            merges.reserveCapacity(rawMerges.count)
            var rank = 0
            for (i, entry) in rawMerges.enumerated() {
                if let line = entry as? String {
                    if line.hasPrefix("#version") { continue }
                    let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                    guard parts.count == 2 else { throw malformed("model.merges[\(i)] \"\(line)\" is not two tokens separated by one space") }
                    merges.append((String(parts[0]), String(parts[1])))
                } else if let pair = entry as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                    merges.append((a, b))
                } else {
                    throw malformed("model.merges[\(i)] is not a pair of tokens (\"a b\" or [\"a\", \"b\"])")
                }
                rank += 1
            }
            // Dropout samples merges at random in HF, at inference too: no deterministic parity exists.
            if let d = (model["dropout"] as? NSNumber)?.doubleValue, d != 0 {
                throw malformed("model.dropout is \(d): BPE dropout skips merges at random (Hugging Face applies it when encoding too), which Sift does not reproduce; set it to null")
            }
            func string(_ key: String) throws -> String? {
                guard let v = model[key], !(v is NSNull) else { return nil }
                guard let s = v as? String else { throw malformed("model.\(key) is not a string") }
                return s
            }
            do {
                return try BPE(vocab: vocab, merges: merges, unkToken: try string("unk_token"),
                               continuingSubwordPrefix: try string("continuing_subword_prefix"),
                               endOfWordSuffix: try string("end_of_word_suffix"),
                               fuseUnk: model["fuse_unk"] as? Bool ?? false, byteFallback: model["byte_fallback"] as? Bool ?? false,
                               ignoreMerges: model["ignore_merges"] as? Bool ?? false)
            } catch let e as TokenizerError {
                if case .invalidConfiguration(let reason) = e { throw malformed("model.\(reason)") }
                throw e
            }
        }

        // MARK: Added tokens

        func addedTokens(_ v: Any?) throws -> [AddedToken] {
            var added: [AddedToken] = []
            for (i, t) in ((v as? [Object]) ?? []).enumerated() {
                guard let content = t["content"] as? String, let id = t["id"] as? Int, id >= 0 else {
                    throw malformed("added_tokens[\(i)] needs content and id")
                }
                added.append(AddedToken(content: content, id: Int32(id), singleWord: t["single_word"] as? Bool ?? false,
                                        lstrip: t["lstrip"] as? Bool ?? false, rstrip: t["rstrip"] as? Bool ?? false,
                                        special: t["special"] as? Bool ?? false,
                                        normalized: t["normalized"] as? Bool ?? !(t["special"] as? Bool ?? false)))
            }
            return added
        }

        // MARK: Post-processor

        func postProcessor(_ p: Object, path: String = "post_processor") throws -> PostProcessor {
            switch type(p) {
            case "TemplateProcessing":
                var specials: [String: [Int32]] = [:]
                for (name, v) in (p["special_tokens"] as? Object) ?? [:] {
                    guard let ids = (v as? Object)?["ids"] as? [Int] else {
                        throw malformed("post_processor.special_tokens[\"\(name)\"] has no ids")
                    }
                    specials[name] = ids.map { Int32($0) }
                }
                func pieces(_ key: String) throws -> [TemplateProcessor.Piece] {
                    guard let arr = p[key] as? [Object] else { throw malformed("post_processor.\(key) is missing") }
                    return try arr.map { piece in
                        if let s = piece["Sequence"] as? Object {
                            return .sequence(first: (s["id"] as? String) != "B", typeId: Int32(s["type_id"] as? Int ?? 0))
                        }
                        if let s = piece["SpecialToken"] as? Object, let name = s["id"] as? String {
                            guard let ids = specials[name] else {
                                throw malformed("post_processor uses \(name), which special_tokens lacks")
                            }
                            return .special(ids: ids, typeId: Int32(s["type_id"] as? Int ?? 0))
                        }
                        throw malformed("post_processor.\(key) has an unknown piece")
                    }
                }
                return .template(TemplateProcessor(single: try pieces("single"), pair: try pieces("pair")))
            case "BertProcessing":
                guard let sep = p["sep"] as? [Any], sep.count == 2, let sepId = sep[1] as? Int,
                      let cls = p["cls"] as? [Any], cls.count == 2, let clsId = cls[1] as? Int else {
                    throw malformed("BertProcessing needs sep and cls as [token, id]")
                }
                let c = Int32(clsId), s = Int32(sepId)
                return .template(TemplateProcessor(
                    single: [.special(ids: [c], typeId: 0), .sequence(first: true, typeId: 0), .special(ids: [s], typeId: 0)],
                    pair: [.special(ids: [c], typeId: 0), .sequence(first: true, typeId: 0), .special(ids: [s], typeId: 0),
                           .sequence(first: false, typeId: 1), .special(ids: [s], typeId: 1)]))
            case "RobertaProcessing":
                guard let sep = p["sep"] as? [Any], sep.count == 2, let sepId = sep[1] as? Int,
                      let cls = p["cls"] as? [Any], cls.count == 2, let clsId = cls[1] as? Int else {
                    throw malformed("\(path): RobertaProcessing needs sep and cls as [token, id]")
                }
                return .roberta(RobertaProcessing(cls: Int32(clsId), sep: Int32(sepId), trimOffsets: p["trim_offsets"] as? Bool ?? true,
                                                  addPrefixSpace: p["add_prefix_space"] as? Bool ?? true))
            case "ByteLevel":
                return .byteLevel(byteLevel(p))
            case "Sequence":
                let steps = try objects(p, "processors", path: path).enumerated().map {
                    try postProcessor($0.element, path: "\(path).processors[\($0.offset)]")
                }
                // Sift runs ByteLevel steps, then one step that adds special tokens; refuse what that cannot express.
                var adder: Int? = nil
                for (i, step) in steps.enumerated() {
                    switch step {
                    case .byteLevel(let b):
                        if let a = adder, case .roberta = steps[a], b.trimOffsets {
                            throw unsupported("\(path).processors[\(i)]", "ByteLevel with trim_offsets after RobertaProcessing")
                        }
                    case .sequence: throw unsupported("\(path).processors[\(i)]", "Sequence inside a Sequence")
                    default:
                        if adder != nil { throw unsupported("\(path).processors[\(i)]", "a second special-token step in a Sequence") }
                        adder = i
                    }
                }
                return .sequence(steps)
            case let t: throw unsupported(path, t)
            }
        }

        // MARK: Decoder

        func decoder(_ d: Object, path: String) throws -> TokenDecoder {
            switch type(d) {
            case "WordPiece":
                return .wordPiece(WordPieceDecoder(prefix: d["prefix"] as? String ?? "##", cleanup: d["cleanup"] as? Bool ?? true))
            case "Metaspace":
                let m = try metaspace(d, path: path)
                return .metaspace(MetaspaceDecoder(replacement: m.replacement, prependScheme: m.prependScheme))
            case "ByteLevel":
                return .byteLevel(ByteLevelDecoder())
            case let t: throw unsupported(path, t)
            }
        }
    }
}
