import Foundation

/// A tokenizer with Hugging Face `tokenizers` parity, built as `tokenizers` is: added tokens matched
/// in the raw text, then a normalizer, a pre-tokenizer, a model (WordPiece, Unigram, BPE), a
/// post-processor, truncation with overflowing windows, and padding; a decoder for the way back.
/// Immutable and thread-safe.
public final class Tokenizer: Sendable {
    public let normalizer: Normalizer?
    public let preTokenizer: PreTokenizer?
    public let model: TokenizerModel
    public let postProcessor: PostProcessor?
    public let addedTokens: [AddedToken]
    /// `model_max_length` from tokenizer_config.json when present.
    public let modelMaxLength: Int?
    public let padTokenId: Int32
    public let padToken: String
    /// The special tokens that open and close a single sequence in the post-processor (`[CLS]`/`[SEP]`, `<s>`/`</s>`).
    public let clsTokenId: Int32
    public let sepTokenId: Int32
    public let unkTokenId: Int32
    /// Tokens back to text (`convert_tokens_to_string`).
    public let decoder: TokenDecoder
    let vocabulary: Vocabulary
    /// Added tokens matched in the raw text (`normalized: false`), and those matched in the
    /// normalized stretches between them, against their normalized content.
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher

    public init(normalizer: Normalizer?, preTokenizer: PreTokenizer?, model: TokenizerModel,
                postProcessor: PostProcessor?, decoder: TokenDecoder, addedTokens: [AddedToken],
                modelMaxLength: Int? = nil, padToken: String) {
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.addedTokens = addedTokens
        self.modelMaxLength = modelMaxLength
        // Added tokens past the model's vocabulary still have a string.
        var tokens = model.vocab
        for t in addedTokens where Int(t.id) >= tokens.count && t.id < 10_000_000 {
            tokens += repeatElement("", count: Int(t.id) + 1 - tokens.count)
            tokens[Int(t.id)] = t.content
        }
        self.vocabulary = Vocabulary(tokens, addedIds: Set(addedTokens.map(\.id)))
        self.rawMatcher = AddedTokenMatcher(addedTokens.filter { !$0.normalized })
        var scratch = NormalizerScratch()
        self.normalizedMatcher = AddedTokenMatcher(addedTokens.filter(\.normalized)) { token in
            let content = token.content.unicodeScalars.map(\.value)
            guard let normalizer else { return content }
            var out: [UInt32] = [], origin: [Int32] = []
            content.withUnsafeBufferPointer { normalizer.normalize($0, range: 0..<$0.count, into: &out, origin: &origin, scratch: &scratch) }
            return out
        }
        func lookup(_ t: String) -> Int32? { addedTokens.first { $0.content == t }?.id ?? model.id(for: t) }
        self.padToken = padToken
        self.padTokenId = lookup(padToken) ?? 0
        self.unkTokenId = model.unkId
        self.clsTokenId = postProcessor?.firstSpecialId ?? lookup("[CLS]") ?? lookup("<s>") ?? model.unkId
        self.sepTokenId = postProcessor?.lastSpecialId ?? lookup("[SEP]") ?? lookup("</s>") ?? model.unkId
    }

    /// A BERT tokenizer: `BertNormalizer`, `BertPreTokenizer`, `WordPiece`.
    public convenience init(normalizer: BertNormalizer, wordPiece: WordPiece, postProcessor: TemplateProcessor?,
                            addedTokens: [AddedToken], modelMaxLength: Int? = nil, padToken: String = "[PAD]",
                            decoder: WordPieceDecoder = WordPieceDecoder()) {
        self.init(normalizer: .bert(normalizer), preTokenizer: .bert, model: .wordPiece(wordPiece),
                  postProcessor: postProcessor.map { .template($0) }, decoder: .wordPiece(decoder),
                  addedTokens: addedTokens, modelMaxLength: modelMaxLength, padToken: padToken)
    }

    public convenience init(spec: TokenizerSpec) {
        self.init(normalizer: spec.normalizer, preTokenizer: spec.preTokenizer, model: spec.model,
                  postProcessor: spec.postProcessor, decoder: spec.decoder, addedTokens: spec.addedTokens,
                  modelMaxLength: spec.modelMaxLength, padToken: spec.padToken)
    }

    /// Loads from a model folder: `tokenizer.json`, or else `vocab.txt` + `tokenizer_config.json`.
    public convenience init(directory: URL) throws {
        self.init(spec: try TokenizerLoader.load(directory: directory))
    }

    public var vocabSize: Int { model.vocabSize }
    public func id(for token: String) -> Int32? { addedTokens.first { $0.content == token }?.id ?? model.id(for: token) }
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
        var e = postProcessor?.process(a, b, addSpecialTokens: options.addSpecialTokens, vocabulary: vocabulary,
                                       texts: (text, pair))
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

    /// A pre-tokenized word as the model sees it (normalized) and the ids the model gives it.
    public struct Word: Sendable, Equatable {
        public var text: String
        public var ids: [Int32]
    }

    /// The words of `text` after normalization and pre-tokenization, each with its model pieces
    /// (added tokens are skipped): what vocabulary mining counts.
    public func words(_ text: String) -> [Word] {
        let scalars = text.unicodeScalars.map(\.value)
        var out: [Word] = []
        var scratch = SegmentScratch()
        scalars.withUnsafeBufferPointer { input in
            segment(input, scratch: &scratch, added: { _, _ in }) { s in
                var k = 0
                for (w, end) in zip(s.words, s.wordEnds) {
                    var view = String.UnicodeScalarView()
                    for c in s.norm[w] { if let u = Unicode.Scalar(c) { view.append(u) } }
                    var ids: [Int32] = []
                    while k < Int(end) { ids.append(s.pieces[k].id); k += 1 }
                    out.append(Word(text: String(view), ids: ids))
                }
            }
        }
        return out
    }

    /// Buffers one encoding reuses across its stretches of text.
    struct SegmentScratch {
        var norm: [UInt32] = [], origin: [Int32] = []
        var words: [Range<Int>] = [], wordEnds: [Int32] = []
        var pieces: [(id: Int32, start: Int32, end: Int32)] = []
        var normalizer = NormalizerScratch(), preTokenizer = PreTokenizerScratch(), model = ModelScratch()
    }

    /// Walks `input` as `tokenizers` does: raw added tokens first; each stretch between them
    /// normalized; normalized added tokens matched in that; each remaining stretch pre-tokenized and
    /// run through the model. Calls `added` with each added token's range in `input`, and `modelled`
    /// with the scratch holding a stretch's normalized characters, origins, words and pieces, in order.
    private func segment(_ input: UnsafeBufferPointer<UInt32>, scratch s: inout SegmentScratch,
                         added: (Range<Int>, Int32) -> Void, modelled: (SegmentScratch) -> Void) {
        func runModel(segmentStart: Int) {
            s.words.removeAll(keepingCapacity: true)
            s.words.append(0..<s.norm.count)
            preTokenizer?.split(&s.norm, &s.origin, words: &s.words, segmentStart: segmentStart, whole: true,
                                scratch: &s.preTokenizer)
            s.words.removeAll { $0.isEmpty }
            s.pieces.removeAll(keepingCapacity: true); s.wordEnds.removeAll(keepingCapacity: true)
            let words = s.words
            s.norm.withUnsafeBufferPointer { chars in
                model.tokenize(chars, words: words, into: &s.pieces, wordEnds: &s.wordEnds, scratch: &s.model)
            }
            modelled(s)
        }
        for segment in rawMatcher.split(input) {
            if let id = segment.id { added(segment.range, id); continue }
            s.norm.removeAll(keepingCapacity: true); s.origin.removeAll(keepingCapacity: true)
            if let normalizer {
                normalizer.normalize(input, range: segment.range, into: &s.norm, origin: &s.origin, scratch: &s.normalizer)
            } else {
                Normalizer.copy(input, segment.range, &s.norm, &s.origin)
            }
            let parts = normalizedMatcher.isEmpty ? [] : s.norm.withUnsafeBufferPointer { normalizedMatcher.split($0) }
            if parts.isEmpty || (parts.count == 1 && parts[0].id == nil) {
                runModel(segmentStart: segment.range.lowerBound)
                continue
            }
            let norm = s.norm, origin = s.origin
            for part in parts {
                if let id = part.id {
                    added(Int(origin[part.range.lowerBound])..<Int(origin[part.range.upperBound - 1]) + 1, id)
                    continue
                }
                s.norm.removeAll(keepingCapacity: true); s.origin.removeAll(keepingCapacity: true)
                s.norm.append(contentsOf: norm[part.range]); s.origin.append(contentsOf: origin[part.range])
                runModel(segmentStart: part.range.lowerBound == 0 ? segment.range.lowerBound : Int(origin[part.range.lowerBound]))
            }
        }
    }

    /// One sequence through added tokens, normalizer, pre-tokenizer and model.
    func encodeSequence(_ text: String, typeId: Int32) -> Encoding {
        var e = Encoding(vocabulary: vocabulary)
        var scalars: [UInt32] = []
        scalars.reserveCapacity(text.utf8.count)
        for s in text.unicodeScalars { scalars.append(s.value) }
        let estimate = scalars.count / 3 + 4
        e.ids.reserveCapacity(estimate); e.offsets.reserveCapacity(estimate)
        // Word index across the whole sequence: added tokens and pre-tokenized words alike.
        var word: Int32 = 0
        var scratch = SegmentScratch()
        scratch.norm.reserveCapacity(scalars.count + 8); scratch.origin.reserveCapacity(scalars.count + 8)
        scalars.withUnsafeBufferPointer { input in
            segment(input, scratch: &scratch, added: { range, id in
                e.append(id: id, typeId: typeId, offset: TokenOffset(range.lowerBound, range.upperBound), special: false, word: word)
                word += 1
            }) { s in
                var k = 0
                for end in s.wordEnds {
                    while k < Int(end) {
                        let p = s.pieces[k]
                        e.append(id: p.id, typeId: typeId,
                                 offset: TokenOffset(Int(s.origin[Int(p.start)]), Int(s.origin[Int(p.end) - 1]) + 1),
                                 special: false, word: word)
                        k += 1
                    }
                    word += 1
                }
            }
        }
        return e
    }
}
