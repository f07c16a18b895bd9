import Foundation
import SiftEngine
import SiftTokenizers

/// Text -> `EncodedText` for a model folder: its tokenizer plus the truncation length
/// sentence-transformers / transformers would use, so long inputs are truncated by default.
/// Every path (server, CLI, demo) tokenizes a text exactly once, here.
public struct TextEncoder: Sendable {
    public let tokenizer: Tokenizer
    /// Tokens per text, [CLS]/[SEP] included.
    public var maxLength: Int

    /// The longest sequence the model can embed at all (`max_position_embeddings`).
    public var positionLimit: Int

    public init(tokenizer: Tokenizer, maxLength: Int, positionLimit: Int? = nil) {
        self.tokenizer = tokenizer; self.maxLength = maxLength; self.positionLimit = positionLimit ?? maxLength
    }

    /// Loads the folder's tokenizer. The default length is `max_seq_length` from
    /// sentence_bert_config.json, else the tokenizer's `model_max_length`, capped at
    /// `max_position_embeddings` (longer inputs cannot be embedded at all).
    public init(directory: URL, config: BertConfig, maxLength: Int? = nil) throws {
        let tok = try Tokenizer(directory: LoRAAdapterFolder.tokenizerDirectory(directory))
        try Self.checkVocabulary(tok, fits: config, directory: directory)
        var length = config.maxSequenceLength
        if let m = SentenceTransformersConfig.maxSeqLength(directory: directory) {
            length = min(length, m)
        } else if let m = tok.modelMaxLength, m > 0 {
            length = min(length, m)
        }
        if let maxLength {
            guard maxLength >= 2 else { throw InferenceError.badInput("max length must be at least 2 (room for [CLS] and [SEP]), got \(maxLength)") }
            length = min(maxLength, config.maxSequenceLength)
        }
        self.init(tokenizer: tok, maxLength: length, positionLimit: config.maxSequenceLength)
    }

    /// A tokenizer whose ids run past the word-embedding rows would index outside the table;
    /// fewer ids than rows is normal (multilingual-e5: 250,002 ids, 250,037 rows).
    public static func checkVocabulary(_ tokenizer: Tokenizer, fits config: BertConfig, directory: URL) throws {
        guard tokenizer.vocabSize <= config.vocabSize else {
            throw InferenceError.badConfig(file: directory.path,
                reason: "the tokenizer has \(tokenizer.vocabSize) ids but the model's word embedding has \(config.vocabSize) rows (vocab_size in config.json): they do not belong together")
        }
    }

    var options: EncodeOptions { EncodeOptions(addSpecialTokens: true, maxLength: maxLength, truncation: .longestFirst) }

    /// Text pairs (premise, hypothesis), in order, with `only_first` truncation: the text is cut,
    /// the short second segment never is (the zero-shot pipeline's rule). When the second segment
    /// alone leaves no room, the pipeline runs the pair untruncated; so does Sift while the pair
    /// fits the model's positions, else it cuts the longest segment first.
    public func encode(pairs: [(String, String)]) -> [EncodedText] {
        var o = options
        o.truncation = .onlyFirst
        var untruncated = options
        untruncated.truncation = .doNotTruncate
        let tok = tokenizer, limit = positionLimit, fallback = options
        return pairs.map { a, b in
            if let e = try? tok.encodeChecked(a, pair: b, options: o) { return Self.encoded(e) }
            let whole = tok.encode(a, pair: b, options: untruncated)
            return Self.encoded(whole.count <= limit ? whole : tok.encode(a, pair: b, options: fallback))
        }
    }

    /// One text, on the calling thread.
    public func encode(_ text: String) -> EncodedText {
        Self.encoded(tokenizer.encode(text, options: options))
    }

    /// Many texts on all cores (`Tokenizer.encodeBatch`), in order.
    public func encode(_ texts: [String]) -> [EncodedText] {
        tokenizer.encodeBatch(texts, options: options).map(Self.encoded)
    }

    /// Encodes and packs. Empty texts become [CLS] [SEP].
    public func pack(_ texts: [String]) throws -> PackedBatch {
        try PackedBatch(encodings: encode(texts))
    }

    /// The untruncated length comes from the overflowing windows truncation leaves behind (no
    /// second pass): with stride 0 they partition the cut-off tokens, each wrapped in its own
    /// special tokens, so their non-special tokens are exactly the ones cut.
    static func encoded(_ e: Encoding) -> EncodedText {
        var cut = 0
        for window in e.overflowing {
            for s in window.specialTokensMask where s == 0 { cut += 1 }
        }
        return EncodedText(ids: e.ids, typeIds: e.typeIds, fullLength: e.count + cut)
    }
}

/// The name this type had in SiftEngine; kept for callers written before the pipeline.
public typealias TextInput = TextEncoder

extension PackedBatch {
    /// Packs encodings back to back, exactly as `PackedBatch(sequences:typeIds:)` does.
    public init(encodings: [EncodedText]) throws {
        try self.init(sequences: encodings.map(\.ids), typeIds: encodings.map(\.typeIds))
    }
}

extension SentenceEmbedder {
    /// Embeds texts: tokenize, forward, pool, normalize. Returns [B][C].
    public func embed(texts: [String], input: TextEncoder, acts: Activations) throws -> [[Float]] {
        let batch = try input.pack(texts)
        try embed(batch, acts: acts)
        return rows(batch.batchSize, acts: acts)
    }
}

extension TextClassifier {
    /// Classifies texts. Returns one prediction per text.
    public func predict(texts: [String], input: TextEncoder, acts: Activations) throws -> [Classification] {
        try predict(input.pack(texts), acts: acts)
    }
}
