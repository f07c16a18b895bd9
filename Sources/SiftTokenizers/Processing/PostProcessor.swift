/// Adds special tokens around one or two sequences: Hugging Face `TemplateProcessing` (which also
/// expresses `BertProcessing`: `[CLS] $A [SEP]` and `[CLS] $A [SEP] $B:1 [SEP]:1`).
public struct TemplateProcessor: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        case sequence(first: Bool, typeId: Int32)
        case special(ids: [Int32], typeId: Int32)
    }
    public var single: [Piece]
    public var pair: [Piece]

    /// Number of special tokens added for a single text or a pair (subtracted from `maxLength`).
    public func addedTokens(isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { n, p in
            if case .special(let ids, _) = p { return n + ids.count }
            return n
        }
    }

    /// `apply_template` followed by `Encoding::merge`, so overflowing windows get special tokens too.
    func process(_ a: Encoding, _ b: Encoding?, addSpecialTokens: Bool, vocabulary: Vocabulary) -> Encoding {
        var parts: [Encoding] = []
        for piece in (b == nil ? single : pair) {
            switch piece {
            case .sequence(let first, let typeId):
                guard var e = first ? a : b else { continue }
                e.typeIds = Array(repeating: typeId, count: e.ids.count)
                parts.append(e)
            case .special(let ids, let typeId):
                guard addSpecialTokens else { continue }
                var e = Encoding(vocabulary: vocabulary)
                for id in ids { e.append(id: id, typeId: typeId, offset: TokenOffset(0, 0), special: true) }
                parts.append(e)
            }
        }
        guard var merged = parts.first else { return Encoding(vocabulary: vocabulary) }
        for p in parts.dropFirst() { merged.merge(with: p) }
        return merged
    }
}

/// The `post_processor` of a tokenizer.json: special tokens around one or two encoded sequences,
/// and ByteLevel's offset trimming.
public indirect enum PostProcessor: Sendable, Equatable {
    case template(TemplateProcessor)
    case roberta(RobertaProcessing)
    /// `ByteLevel` as a post-processor: trims offsets (`trim_offsets`), adds no token.
    case byteLevel(ByteLevel)
    /// `Sequence`: ByteLevel steps, then at most one step that adds special tokens (checked on loading).
    case sequence([PostProcessor])

    /// Number of special tokens added for a single text or a pair (subtracted from `maxLength`).
    public func addedTokens(isPair: Bool) -> Int {
        switch self {
        case .template(let t): return t.addedTokens(isPair: isPair)
        case .roberta: return isPair ? 4 : 2
        case .byteLevel: return 0
        case .sequence(let steps): return steps.reduce(0) { $0 + $1.addedTokens(isPair: isPair) }
        }
    }

    /// The special token that opens a single sequence (`[CLS]`, `<s>`), if any.
    public var firstSpecialId: Int32? {
        switch self {
        case .template(let t): return t.single.lazy.compactMap { if case .special(let ids, _) = $0 { return ids.first } else { return nil } }.first
        case .roberta(let r): return r.cls
        case .byteLevel: return nil
        case .sequence(let steps): return steps.lazy.compactMap(\.firstSpecialId).first
        }
    }

    /// The special token that closes a single sequence (`[SEP]`, `</s>`), if any.
    public var lastSpecialId: Int32? {
        switch self {
        case .template(let t): return t.single.reversed().lazy.compactMap { if case .special(let ids, _) = $0 { return ids.last } else { return nil } }.first
        case .roberta(let r): return r.sep
        case .byteLevel: return nil
        case .sequence(let steps): return steps.lazy.compactMap(\.lastSpecialId).first
        }
    }

    /// `texts` are the sequences' original texts: ByteLevel's trimming reads an added token's matched text.
    func process(_ a: Encoding, _ b: Encoding?, addSpecialTokens: Bool, vocabulary: Vocabulary,
                 texts: (String, String?)) -> Encoding {
        switch self {
        case .template(let t): return t.process(a, b, addSpecialTokens: addSpecialTokens, vocabulary: vocabulary)
        case .roberta(let r): return r.process(a, b, addSpecialTokens: addSpecialTokens, vocabulary: vocabulary, texts: texts)
        case .byteLevel(let t):
            var a = a, b = b
            t.trim(&a, text: texts.0)
            if b != nil { t.trim(&b!, text: texts.1 ?? "") }
            if let b { a.merge(with: b) }
            return a
        case .sequence(let steps):
            // ByteLevel steps trim each sequence in turn; the step adding special tokens comes last
            // (HF's template keeps each sequence a piece of its own, so a trim after it trims the same).
            var a = a, b = b
            var adder: PostProcessor? = nil
            for step in steps {
                if case .byteLevel(let t) = step {
                    t.trim(&a, text: texts.0)
                    if b != nil { t.trim(&b!, text: texts.1 ?? "") }
                } else {
                    adder = step
                }
            }
            if let adder { return adder.process(a, b, addSpecialTokens: addSpecialTokens, vocabulary: vocabulary, texts: texts) }
            if let b { a.merge(with: b) }
            return a
        }
    }
}
