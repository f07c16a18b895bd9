import Foundation

// A model family is a type of its own over the shared encoder (embeddings, post-LayerNorm
// layers, heads): which tensors it has, what its checkpoints call them, how its embeddings pick
// position and token-type rows, its head's shape and its config.json keys. The forward and
// backward read only what a family returns here; nothing else branches on `model_type`.
// See docs/engine.md, "Families and heads".

/// The task head a model carries on top of the encoder.
public enum TaskHead: Hashable, Sendable {
    /// A bare encoder (`BertModel`, `XLMRobertaModel`, …).
    case none
    /// One prediction per text (`…ForSequenceClassification`).
    case sequenceClassification(labels: Int)
    /// One prediction per token (`…ForTokenClassification`): the classifier on every token.
    case tokenClassification(labels: Int)
    /// Masked-language-model pretraining (`…ForMaskedLM`): a transform and the tied decoder on
    /// every token.
    case maskedLM

    public var labels: Int? {
        switch self {
        case .none, .maskedLM: nil
        case .sequenceClassification(let n), .tokenClassification(let n): n
        }
    }

    public var isSequence: Bool {
        if case .sequenceClassification = self { return true }
        return false
    }
}

/// The shape of a family's sequence-classification head (first token → dense → activation →
/// classifier); `SequenceClassificationHead` runs all three forward and backward.
public enum SequenceHeadStyle: Sendable, Hashable {
    /// BERT: the encoder's pooler (tanh), dropout, `classifier`.
    case bertPooler
    /// RobertaClassificationHead: dropout, `classifier.dense` + tanh, dropout, `classifier.out_proj`.
    case roberta
    /// DistilBertForSequenceClassification: `pre_classifier` + ReLU, dropout, `classifier`.
    case distilBert

    /// The dense layer's tensors (the pooler for BERT, the head's own dense layer otherwise).
    var dense: (weight: TensorID, bias: TensorID) {
        self == .bertPooler ? (.pooler(.weight), .pooler(.bias)) : (.headDense(.weight), .headDense(.bias))
    }

    /// The dense layer's weight (names the head in errors).
    public var denseTensor: TensorID { dense.weight }

    /// The head drops its input (the first token's row) before the dense layer.
    var dropsInput: Bool { self == .roberta }

    /// The dense layer is part of the encoder (frozen with it in head-only training, whose
    /// cached features are its output).
    public var denseIsEncoder: Bool { self == .bertPooler }
}

/// What differs between BERT and its relatives; see the file comment.
public protocol ModelFamily: Sendable {
    /// `model_type` in config.json.
    var modelType: String { get }
    /// transformers' class-name stem: `Bert` → `BertModel`, `BertForSequenceClassification`.
    var className: String { get }
    /// The checkpoint names; `sequenceHead` says whether the model carries a sequence head
    /// (RoBERTa's output layer is `classifier.out_proj` there, `classifier` per token).
    func naming(sequenceHead: Bool) -> any CheckpointNaming
    /// Every tensor with its PyTorch shape, in buffer order (Q, K, V adjacent per layer).
    func tensors(config: BertConfig, pooler: Bool, head: TaskHead) -> [(TensorID, [Int])]
    /// The sequence-classification head's shape.
    var sequenceHead: SequenceHeadStyle { get }
    /// The embeddings add a token-type row (DistilBERT has no such table and ignores type ids).
    var hasTokenTypes: Bool { get }
    /// Position-table row of a sequence's first token: 0 for BERT, `pad_token_id + 1` for
    /// RoBERTa (create_position_ids_from_input_ids on unpadded input).
    func firstPosition(_ config: BertConfig) -> Int
    /// Where transformers' train mode drops units, and how much.
    func dropoutRates(_ config: BertConfig) -> DropoutRates
    /// The dropout before a token classifier (`…ForTokenClassification.dropout`).
    func tokenClassifierDropout(_ config: BertConfig) -> Float
    /// config.json in the family's own key names (model_type already read).
    func decode(from decoder: Decoder) throws -> BertConfig
    func encode(_ config: BertConfig, to encoder: Encoder) throws
    /// Family-specific checks (after the shared ones).
    func validate(_ config: BertConfig, file: String) throws
    /// Where a masked-LM checkpoint stores its decoder weight when it stores it at all (it is the
    /// word embeddings, tied).
    var tiedDecoderName: String { get }
}

extension ModelFamily {
    public var hasTokenTypes: Bool { true }
    public func firstPosition(_ config: BertConfig) -> Int { 0 }
    public func dropoutRates(_ config: BertConfig) -> DropoutRates {
        DropoutRates(hidden: config.hiddenDropoutProb, attention: config.attentionProbsDropoutProb,
                     classifier: config.classifierDropout)
    }
    public func validate(_ config: BertConfig, file: String) throws {}
    public var tiedDecoderName: String { "cls.predictions.decoder.weight" }
    public func tokenClassifierDropout(_ config: BertConfig) -> Float { config.classifierDropout ?? config.hiddenDropoutProb }

    /// `architectures` for a model with this head (the name `save_pretrained` writes).
    public func architecture(_ head: TaskHead) -> String {
        switch head {
        case .none: className + "Model"
        case .sequenceClassification: className + "ForSequenceClassification"
        case .tokenClassification: className + "ForTokenClassification"
        case .maskedLM: className + "ForMaskedLM"
        }
    }

    /// The embedding rows, encoder layers (all families share BERT's post-LayerNorm layer) and
    /// the head's tensors.
    func encoderTensors(config: BertConfig, tokenTypes: Bool) -> [(TensorID, [Int])] {
        let C = config.hiddenSize, I = config.intermediateSize
        var list: [(TensorID, [Int])] = [
            (.wordEmbeddings, [config.vocabSize, C]),
            (.positionEmbeddings, [config.maxPositionEmbeddings, C]),
        ]
        if tokenTypes { list.append((.tokenTypeEmbeddings, [config.typeVocabSize, C])) }
        list += [(.embeddingsNorm(.weight), [C]), (.embeddingsNorm(.bias), [C])]
        for l in 0..<config.numHiddenLayers {
            // The fused Q|K|V: three [C, C] weights as one [3C, C] range, then three [C] biases as one [3C].
            list += Projection.allCases.map { (.layer(l, .qkv($0, .weight)), [C, C]) }
            list += Projection.allCases.map { (.layer(l, .qkv($0, .bias)), [C]) }
            list += [
                (.layer(l, .attentionOutput(.weight)), [C, C]),
                (.layer(l, .attentionOutput(.bias)), [C]),
                (.layer(l, .attentionNorm(.weight)), [C]),
                (.layer(l, .attentionNorm(.bias)), [C]),
                (.layer(l, .intermediate(.weight)), [I, C]),
                (.layer(l, .intermediate(.bias)), [I]),
                (.layer(l, .output(.weight)), [C, I]),
                (.layer(l, .output(.bias)), [C]),
                (.layer(l, .outputNorm(.weight)), [C]),
                (.layer(l, .outputNorm(.bias)), [C]),
            ]
        }
        return list
    }

    /// A head with its own dense layer (RoBERTa, DistilBERT) or a per-token classifier.
    func headTensors(config: BertConfig, head: TaskHead) -> [(TensorID, [Int])] {
        let C = config.hiddenSize
        switch head {
        case .none: return []
        case .sequenceClassification(let n):
            return [(.headDense(.weight), [C, C]), (.headDense(.bias), [C]),
                    (.classifier(.weight), [n, C]), (.classifier(.bias), [n])]
        case .tokenClassification(let n):
            return [(.classifier(.weight), [n, C]), (.classifier(.bias), [n])]
        case .maskedLM:
            return maskedLMTensors(config: config)
        }
    }

    /// The masked-LM head's own tensors (its decoder weight is the word embeddings).
    func maskedLMTensors(config: BertConfig) -> [(TensorID, [Int])] {
        let C = config.hiddenSize
        return [(.maskedLM(.transform(.weight)), [C, C]), (.maskedLM(.transform(.bias)), [C]),
                (.maskedLM(.transformNorm(.weight)), [C]), (.maskedLM(.transformNorm(.bias)), [C]),
                (.maskedLM(.decoderBias), [config.vocabSize])]
    }
}

/// The families the engine implements, by `model_type`.
public enum ModelFamilies {
    public static let all: [any ModelFamily] = [BertFamily(), DistilBertFamily(), RobertaFamily(.roberta), RobertaFamily(.xlmRoberta)]
    public static var supportedModelTypes: [String] { all.map(\.modelType) }

    public static func named(_ modelType: String) -> (any ModelFamily)? {
        all.first { $0.modelType == modelType }
    }
}
