import Foundation
import SiftTokenizers

/// Text -> packed token ids for a model folder: its tokenizer plus the truncation length
/// sentence-transformers / transformers would use, so long inputs are truncated by default.
public struct TextInput: Sendable {
    public let tokenizer: Tokenizer
    /// Tokens per text, [CLS]/[SEP] included.
    public var maxLength: Int

    public init(tokenizer: Tokenizer, maxLength: Int) {
        self.tokenizer = tokenizer; self.maxLength = maxLength
    }

    /// Loads the folder's tokenizer. The default length is `max_seq_length` from
    /// sentence_bert_config.json, else the tokenizer's `model_max_length`, capped at
    /// `max_position_embeddings` (longer inputs cannot be embedded at all).
    public init(directory: URL, config: BertConfig, maxLength: Int? = nil) throws {
        let tok = try Tokenizer(directory: directory)
        var length = config.maxPositionEmbeddings
        let st = directory.appendingPathComponent("sentence_bert_config.json")
        if let data = try? Data(contentsOf: st),
           let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let m = obj["max_seq_length"] as? Int, m > 0 {
            length = min(length, m)
        } else if let m = tok.modelMaxLength, m > 0 {
            length = min(length, m)
        }
        if let maxLength {
            guard maxLength >= 2 else { throw EngineError.badInput("max length must be at least 2 (room for [CLS] and [SEP]), got \(maxLength)") }
            length = min(maxLength, config.maxPositionEmbeddings)
        }
        self.init(tokenizer: tok, maxLength: length)
    }

    /// Tokenizes (both cores) and packs. Empty texts become [CLS] [SEP].
    public func pack(_ texts: [String]) throws -> PackedBatch {
        let options = EncodeOptions(addSpecialTokens: true, maxLength: maxLength, truncation: .longestFirst)
        let enc = tokenizer.encodeBatch(texts, options: options)
        return try PackedBatch(sequences: enc.map(\.ids), typeIds: enc.map(\.typeIds))
    }
}

extension SentenceEmbedder {
    /// Embeds texts: tokenize, forward, pool, normalize. Returns [B][C].
    public func embed(texts: [String], input: TextInput, acts: Activations) throws -> [[Float]] {
        let batch = try input.pack(texts)
        try embed(batch, acts: acts)
        let C = dimension
        return (0..<batch.batchSize).map { Array(UnsafeBufferPointer(start: acts.sentence + $0 * C, count: C)) }
    }
}

extension SequenceClassifier {
    /// Classifies texts. Returns one prediction per text.
    public func predict(texts: [String], input: TextInput, acts: Activations) throws -> [Prediction] {
        try predict(input.pack(texts), acts: acts)
    }
}
