// BERT as a `ModelFamily`, and `CheckpointNaming`: what a family's checkpoints call its tensors.
// Nothing but loading and saving reads a checkpoint name. See docs/engine.md, "Families and heads".

/// The checkpoint names of one model family's tensors.
public protocol CheckpointNaming: Sendable {
    /// The name `save_pretrained` of the bare model writes for a tensor.
    func name(of tensor: TensorID) -> String
    /// The prefix the family's task models (`…ForSequenceClassification`) put before encoder
    /// names (`"bert."`); loading tries every name with and without it.
    var modelPrefix: String { get }
}

/// transformers' `BertModel` / `BertForSequenceClassification` names (modeling_bert.py).
public struct BertCheckpointNames: CheckpointNaming {
    public init() {}

    public var modelPrefix: String { "bert." }

    public func name(of tensor: TensorID) -> String {
        switch tensor {
        case .wordEmbeddings: "embeddings.word_embeddings.weight"
        case .positionEmbeddings: "embeddings.position_embeddings.weight"
        case .tokenTypeEmbeddings: "embeddings.token_type_embeddings.weight"
        case .embeddingsNorm(let a): "embeddings.LayerNorm.\(a.rawValue)"
        case .layer(let l, let t): "encoder.layer.\(l)." + layerName(t)
        case .pooler(let a): "pooler.dense.\(a.rawValue)"
        // BERT's sequence head uses the pooler; no BERT checkpoint has this tensor.
        case .headDense(let a): "classifier.dense.\(a.rawValue)"
        case .classifier(let a): "classifier.\(a.rawValue)"
        case .lora(let site, let f): loraName(site, f)
        case .maskedLM(let t): maskedLMName(t)
        }
    }

    /// BertOnlyMLMHead (`cls.predictions`); its decoder's bias is tied to `cls.predictions.bias`.
    private func maskedLMName(_ t: MaskedLMTensor) -> String {
        switch t {
        case .transform(let a): "cls.predictions.transform.dense.\(a.rawValue)"
        case .transformNorm(let a): "cls.predictions.transform.LayerNorm.\(a.rawValue)"
        case .decoderBias: "cls.predictions.bias"
        }
    }

    private func projectionName(_ p: Projection) -> String {
        switch p {
        case .query: "query"
        case .key: "key"
        case .value: "value"
        }
    }

    private func layerName(_ t: LayerTensor) -> String {
        switch t {
        case .qkv(let p, let a): "attention.self.\(projectionName(p)).\(a.rawValue)"
        case .attentionOutput(let a): "attention.output.dense.\(a.rawValue)"
        case .attentionNorm(let a): "attention.output.LayerNorm.\(a.rawValue)"
        case .intermediate(let a): "intermediate.dense.\(a.rawValue)"
        case .output(let a): "output.dense.\(a.rawValue)"
        case .outputNorm(let a): "output.LayerNorm.\(a.rawValue)"
        }
    }
}

/// BERT (modeling_bert.py): the pooler belongs to the encoder and is the sequence head's dense
/// layer; the reference every other family is described against.
public struct BertFamily: ModelFamily {
    public init() {}
    public var modelType: String { "bert" }
    public var className: String { "Bert" }
    public var sequenceHead: SequenceHeadStyle { .bertPooler }

    public func naming(sequenceHead: Bool) -> any CheckpointNaming { BertCheckpointNames() }

    /// The pooler comes with a sequence head (BertForSequenceClassification classifies its output).
    public func tensors(config: BertConfig, pooler: Bool, head: TaskHead) -> [(TensorID, [Int])] {
        var list = encoderTensors(config: config, tokenTypes: true)
        let C = config.hiddenSize
        if case .sequenceClassification = head {
            list += [(.pooler(.weight), [C, C]), (.pooler(.bias), [C])]
        } else if pooler {
            list += [(.pooler(.weight), [C, C]), (.pooler(.bias), [C])]
        }
        if let n = head.labels {
            list += [(.classifier(.weight), [n, C]), (.classifier(.bias), [n])]
        }
        if head == .maskedLM { list += maskedLMTensors(config: config) }
        return list
    }

    public func decode(from decoder: Decoder) throws -> BertConfig {
        try BertConfig.decodeBertKeys(from: decoder, defaults: BertConfig(modelType: modelType))
    }

    public func encode(_ config: BertConfig, to encoder: Encoder) throws { try config.encodeBertKeys(to: encoder) }
}

/// BERT's tensors in buffer order (the order is the layout's; see `ParameterLayout`).
public enum BertArchitecture {
    public static func tensors(config: BertConfig, withPooler: Bool, numLabels: Int?) -> [(TensorID, [Int])] {
        BertFamily().tensors(config: config, pooler: withPooler, head: TaskHead(withPooler: withPooler, numLabels: numLabels))
    }
}
