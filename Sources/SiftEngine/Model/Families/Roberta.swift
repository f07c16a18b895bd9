/// RoBERTa and XLM-RoBERTa (modeling_roberta.py, modeling_xlm_roberta.py: the same modules under
/// two class names): BERT's tensors and names under the `roberta.` prefix, positions that start at
/// `pad_token_id + 1`, a single token type, and RobertaClassificationHead (its own dense layer;
/// the bare model's pooler, when a checkpoint has one, is not part of the classifier).
public struct RobertaFamily: ModelFamily {
    public enum Variant: Sendable { case roberta, xlmRoberta }
    public let variant: Variant

    public init(_ variant: Variant) { self.variant = variant }

    public var modelType: String { variant == .roberta ? "roberta" : "xlm-roberta" }
    public var className: String { variant == .roberta ? "Roberta" : "XLMRoberta" }
    public var sequenceHead: SequenceHeadStyle { .roberta }

    public func naming(sequenceHead: Bool) -> any CheckpointNaming { RobertaCheckpointNames(sequenceHead: sequenceHead) }

    public func tensors(config: BertConfig, pooler: Bool, head: TaskHead) -> [(TensorID, [Int])] {
        var list = encoderTensors(config: config, tokenTypes: true)
        let C = config.hiddenSize
        if pooler { list += [(.pooler(.weight), [C, C]), (.pooler(.bias), [C])] }
        return list + headTensors(config: config, head: head)
    }

    /// create_position_ids_from_input_ids: padding_idx + 1 + the count of real tokens before
    /// (packed sequences hold no padding, so that is the index in the sequence).
    public func firstPosition(_ config: BertConfig) -> Int { config.padTokenId + 1 }
    public var tiedDecoderName: String { "lm_head.decoder.weight" }

    public func decode(from decoder: Decoder) throws -> BertConfig {
        try BertConfig.decodeBertKeys(from: decoder, defaults: BertConfig(modelType: modelType))
    }

    public func encode(_ config: BertConfig, to encoder: Encoder) throws { try config.encodeBertKeys(to: encoder) }

    public func validate(_ config: BertConfig, file: String) throws {
        guard config.padTokenId >= 0 else {
            throw EngineError.badConfig(file: file, reason: "pad_token_id must be set (positions start after it), found \(config.padTokenId)")
        }
    }
}

/// transformers' RobertaModel / RobertaForSequenceClassification names (XLM-R's are the same).
public struct RobertaCheckpointNames: CheckpointNaming {
    /// RobertaClassificationHead names its output layer `classifier.out_proj`; the token
    /// classifier is a plain `classifier`.
    public let sequenceHead: Bool

    public init(sequenceHead: Bool) { self.sequenceHead = sequenceHead }

    public var modelPrefix: String { "roberta." }

    public func name(of tensor: TensorID) -> String {
        switch tensor {
        case .headDense(let a): "classifier.dense.\(a.rawValue)"
        case .classifier(let a): sequenceHead ? "classifier.out_proj.\(a.rawValue)" : "classifier.\(a.rawValue)"
        // RobertaLMHead (its decoder's weight is the word embeddings).
        case .maskedLM(.transform(let a)): "lm_head.dense.\(a.rawValue)"
        case .maskedLM(.transformNorm(let a)): "lm_head.layer_norm.\(a.rawValue)"
        case .maskedLM(.decoderBias): "lm_head.bias"
        default: BertCheckpointNames().name(of: tensor)
        }
    }
}
