import Foundation

/// A BERT-family tokenizer with Hugging Face `tokenizers` parity: added tokens matched in the raw
/// text, `BertNormalizer`, `BertPreTokenizer`, `WordPiece`, template post-processing, truncation
/// with overflowing windows, and padding. Immutable and thread-safe.
public final class Tokenizer: Sendable {
    public let normalizer: BertNormalizer
    public let wordPiece: WordPiece
    public let postProcessor: TemplateProcessor?
    public let addedTokens: [AddedToken]
    /// `model_max_length` from tokenizer_config.json when present.
    public let modelMaxLength: Int?
    public let padTokenId: Int32
    public let padToken: String
    public let clsTokenId: Int32
    public let sepTokenId: Int32
    public let unkTokenId: Int32
    /// Tokens back to text (`convert_tokens_to_string`).
    public let decoder: WordPieceDecoder
    let vocabulary: Vocabulary
    private let matcher: AddedTokenMatcher

    public init(normalizer: BertNormalizer, wordPiece: WordPiece, postProcessor: TemplateProcessor?,
                addedTokens: [AddedToken], modelMaxLength: Int? = nil, padToken: String = "[PAD]",
                decoder: WordPieceDecoder = WordPieceDecoder()) {
        self.decoder = decoder
        self.normalizer = normalizer
        self.wordPiece = wordPiece
        self.postProcessor = postProcessor
        self.addedTokens = addedTokens
        self.modelMaxLength = modelMaxLength
        self.vocabulary = Vocabulary(wordPiece.vocab)
        self.matcher = AddedTokenMatcher(addedTokens)
        func lookup(_ t: String) -> Int32? { addedTokens.first { $0.content == t }?.id ?? wordPiece.tokenToId[t] }
        self.padToken = padToken
        self.padTokenId = lookup(padToken) ?? 0
        self.clsTokenId = lookup("[CLS]") ?? wordPiece.unkId
        self.sepTokenId = lookup("[SEP]") ?? wordPiece.unkId
        self.unkTokenId = wordPiece.unkId
    }

    /// Loads from a model folder: `tokenizer.json`, or else `vocab.txt` + `tokenizer_config.json`.
    public convenience init(directory: URL) throws {
        let spec = try TokenizerLoader.load(directory: directory)
        self.init(normalizer: spec.normalizer, wordPiece: spec.wordPiece, postProcessor: spec.postProcessor,
                  addedTokens: spec.addedTokens, modelMaxLength: spec.modelMaxLength, padToken: spec.padToken,
                  decoder: spec.decoder)
    }

    public var vocabSize: Int { wordPiece.vocab.count }
    public func id(for token: String) -> Int32? { addedTokens.first { $0.content == token }?.id ?? wordPiece.tokenToId[token] }
    public func token(for id: Int32) -> String? { vocabulary.token(for: id) }

    // MARK: - Encoding

    /// Encodes a text (and optional pair). Never fails: when the chosen truncation strategy cannot
    /// reach `maxLength` (Hugging Face raises), it falls back to `longestFirst`; use `encodeChecked`
    /// for Hugging Face's errors.
    public func encode(_ text: String, pair: String? = nil, options: EncodeOptions = EncodeOptions()) -> Encoding {
        (try? encodeChecked(text, pair: pair, options: options))
            ?? (try? encodeChecked(text, pair: pair, options: relaxed(options, isPair: pair != nil)))
            ?? Encoding(vocabulary: vocabulary)
    }

    /// Encodes like `encode`, but reports what Hugging Face would refuse: a stride not below the
    /// room left for text, `onlyFirst`/`onlySecond` on a sequence too short to cut, `onlySecond` without a pair.
    public func encodeChecked(_ text: String, pair: String? = nil, options: EncodeOptions = EncodeOptions()) throws -> Encoding {
        var a = encodeSequence(text, typeId: 0)
        var b = pair.map { encodeSequence($0, typeId: 1) }
        if let maxLength = options.maxLength, options.truncation != .doNotTruncate {
            // Hugging Face refuses, when truncation is set up, a stride that leaves no room for text.
            let effective = maxLength - (postProcessor?.addedTokens(isPair: false) ?? 0)
            if options.stride < 0 || (effective >= 0 && effective < options.stride) {
                throw TokenizerError.invalidOptions("stride \(options.stride) must not exceed max length \(maxLength) minus the special tokens (\(effective) left)")
            }
            let added = options.addSpecialTokens ? (postProcessor?.addedTokens(isPair: b != nil) ?? 0) : 0
            // A max length below the special tokens' count truncates nothing in Hugging Face (its
            // unsigned subtraction wraps around); Sift keeps that behaviour for parity.
            if maxLength >= added {
                try truncate(&a, &b, maxLength: maxLength - added, stride: options.stride, strategy: options.truncation)
            }
        }
        var e = postProcessor?.process(a, b, addSpecialTokens: options.addSpecialTokens, vocabulary: vocabulary)
            ?? { var x = a; if let b { x.merge(with: b) }; return x }()
        if case .fixed(let n) = options.padding { e.pad(to: n, padId: padTokenId) }
        return e
    }

    /// Encodes many texts on all cores; `.longest` padding pads to the longest of the batch.
    public func encodeBatch(_ texts: [String], pairs: [String]? = nil, options: EncodeOptions = EncodeOptions()) -> [Encoding] {
        var out = [Encoding](repeating: Encoding(vocabulary: vocabulary), count: texts.count)
        let workers = Swift.min(ProcessInfo.processInfo.activeProcessorCount, Swift.max(1, texts.count / 16))
        out.withUnsafeMutableBufferPointer { buf in
            nonisolated(unsafe) let buf = buf
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var i = w
                while i < texts.count {
                    buf[i] = encode(texts[i], pair: pairs?[i], options: options)
                    i += workers
                }
            }
        }
        if case .longest = options.padding {
            let n = out.map(\.count).max() ?? 0
            for i in out.indices { out[i].pad(to: n, padId: padTokenId) }
        }
        return out
    }

    private func relaxed(_ o: EncodeOptions, isPair: Bool) -> EncodeOptions {
        var r = o
        r.truncation = .longestFirst
        if let m = o.maxLength {
            let room = m - (o.addSpecialTokens ? (postProcessor?.addedTokens(isPair: isPair) ?? 0) : 0)
            if r.stride >= room { r.stride = Swift.max(0, room - 1) }
        }
        return r
    }

    /// `truncate_encodings` of Hugging Face.
    private func truncate(_ a: inout Encoding, _ b: inout Encoding?, maxLength: Int, stride: Int,
                          strategy: TruncationStrategy) throws {
        if maxLength == 0 {
            a.truncate(to: 0, stride: stride); b?.truncate(to: 0, stride: stride)
            return
        }
        let total = a.count + (b?.count ?? 0)
        guard total > maxLength else { return }
        let toRemove = total - maxLength
        func cut(_ e: inout Encoding, _ n: Int) throws {
            if n < e.count && stride >= n {
                throw TokenizerError.invalidOptions("stride \(stride) must be smaller than the \(n) tokens left for this sequence")
            }
            e.truncate(to: n, stride: stride)
        }
        switch strategy {
        case .longestFirst:
            if var pb = b {
                var n1 = a.count, n2 = pb.count
                let swap = n1 > n2
                if swap { Swift.swap(&n1, &n2) }
                n2 = n1 > maxLength ? n1 : Swift.max(n1, maxLength - n1)
                if n1 + n2 > maxLength { n1 = maxLength / 2; n2 = n1 + maxLength % 2 }
                if swap { Swift.swap(&n1, &n2) }
                try cut(&a, n1); try cut(&pb, n2)
                b = pb
            } else {
                try cut(&a, total - toRemove)
            }
        case .onlyFirst, .onlySecond:
            if strategy == .onlyFirst {
                guard a.count > toRemove else { throw TokenizerError.invalidOptions("the first sequence is too short to truncate to max length \(maxLength)") }
                try cut(&a, a.count - toRemove)
            } else {
                guard var pb = b else { throw TokenizerError.invalidOptions("only_second truncation needs a text pair") }
                guard pb.count > toRemove else { throw TokenizerError.invalidOptions("the second sequence is too short to truncate to max length \(maxLength)") }
                try cut(&pb, pb.count - toRemove)
                b = pb
            }
        case .doNotTruncate:
            return
        }
    }

    /// One sequence through added tokens, normalizer, pre-tokenizer and WordPiece.
    func encodeSequence(_ text: String, typeId: Int32) -> Encoding {
        var e = Encoding(vocabulary: vocabulary)
        var scalars: [UInt32] = []
        scalars.reserveCapacity(text.utf8.count)
        for s in text.unicodeScalars { scalars.append(s.value) }
        let estimate = scalars.count / 3 + 4
        e.ids.reserveCapacity(estimate); e.offsets.reserveCapacity(estimate)
        // Word index across the whole sequence: added tokens and pre-tokenized words alike.
        var word: Int32 = 0
        var norm: [UInt32] = [], origin: [Int32] = [], scratch: [UInt32] = []
        var pieces: [(id: Int32, start: Int32, end: Int32)] = []
        norm.reserveCapacity(scalars.count + 8); origin.reserveCapacity(scalars.count + 8)
        let classes = CharacterClasses.shared
        scalars.withUnsafeBufferPointer { input in
            for segment in matcher.split(input) {
                if let id = segment.id {
                    e.append(id: id, typeId: typeId, offset: TokenOffset(segment.range.lowerBound, segment.range.upperBound),
                             special: false, word: word)
                    word += 1
                    continue
                }
                norm.removeAll(keepingCapacity: true); origin.removeAll(keepingCapacity: true)
                normalizer.normalize(input, range: segment.range, into: &norm, origin: &origin, scratch: &scratch)
                norm.withUnsafeBufferPointer { chars in
                    // BertPreTokenizer: split on whitespace (dropped), isolate punctuation.
                    var wordStart = 0
                    func flush(_ end: Int) {
                        guard end > wordStart else { return }
                        pieces.removeAll(keepingCapacity: true)
                        wordPiece.tokenize(chars, wordStart..<end, into: &pieces)
                        for p in pieces {
                            e.append(id: p.id, typeId: typeId,
                                     offset: TokenOffset(Int(origin[Int(p.start)]), Int(origin[Int(p.end) - 1]) + 1),
                                     special: false, word: word)
                        }
                        word += 1
                    }
                    for j in 0..<chars.count {
                        let f = classes.flags(chars[j])
                        if f & CharacterClasses.splitSpace != 0 {
                            flush(j); wordStart = j + 1
                        } else if f & CharacterClasses.punctuation != 0 {
                            flush(j); wordStart = j; flush(j + 1); wordStart = j + 1
                        }
                    }
                    flush(chars.count)
                }
            }
        }
        return e
    }
}
