import Foundation
import SiftEngine
import SiftTokenizers

/// What `sift info MODEL` reports about a folder: its family and architecture, tokenizer, sizes,
/// heads, labels and parameter counts, gathered from a loaded `ModelBundle` so the summary
/// describes exactly what Sift would run.
public struct ModelSummary: Codable, Sendable, Equatable {
    public struct Parameters: Codable, Sendable, Equatable {
        public var total: Int
        public var embeddings: Int
        public var encoder: Int
        public var heads: Int
    }

    public var directory: String
    /// `model_type` of config.json (`bert`, …).
    public var family: String
    public var architectures: [String]
    /// transformers' class stem of the family (`Bert`, `Roberta`, …).
    public var className: String
    public var task: ModelTask
    /// The tokenizer's model (`WordPiece`, …) and its vocabulary size.
    public var tokenizer: String
    public var tokenizerVocabulary: Int
    /// Rows of the word-embedding matrix (may exceed the tokenizer's vocabulary, never fall short).
    public var embeddingRows: Int
    public var layers: Int
    public var hiddenSize: Int
    public var attentionHeads: Int
    public var intermediateSize: Int
    public var maxLength: Int
    /// Heads on the encoder: `pooler`, `sequence-classifier`, `token-classifier`, `setfit-head`, `masked-lm`.
    public var heads: [String]
    public var pooling: String
    public var normalize: Bool
    public var labels: [String]
    public var parameters: Parameters

    public init(bundle: ModelBundle) {
        let model = bundle.model, config = model.config
        directory = bundle.directory.path
        family = config.modelType
        architectures = config.architectures ?? []
        task = bundle.task
        tokenizer = bundle.encoder.tokenizer.model.kindName
        tokenizerVocabulary = bundle.encoder.tokenizer.vocabSize
        embeddingRows = config.vocabSize
        className = config.family.className
        layers = config.numHiddenLayers
        hiddenSize = config.hiddenSize
        attentionHeads = config.numAttentionHeads
        intermediateSize = config.intermediateSize
        maxLength = bundle.maxLength
        var heads: [String] = []
        if model.layout.hasPooler { heads.append("pooler") }
        if bundle.tokenClassifier != nil { heads.append("token-classifier") }
        else if bundle.classifier is EmbeddingClassifier { heads.append("setfit-head") }
        else if bundle.classifier != nil { heads.append("sequence-classifier") }
        if config.isMaskedLM { heads.append("masked-lm") }
        self.heads = heads
        pooling = bundle.pooling.rawValue
        normalize = bundle.normalize
        labels = bundle.tokenClassifier?.labels ?? bundle.labels
        var embeddings = 0, encoder = 0, headCount = 0
        for e in model.layout.entries {
            switch e.part {
            case .embeddings: embeddings += e.count
            case .layer: encoder += e.count
            default: headCount += e.count
            }
        }
        if let head = (bundle.classifier as? EmbeddingClassifier)?.head { headCount += head.weight.count + head.bias.count }
        parameters = Parameters(total: embeddings + encoder + headCount, embeddings: embeddings, encoder: encoder, heads: headCount)
    }
}
