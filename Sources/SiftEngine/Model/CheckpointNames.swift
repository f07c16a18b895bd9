// A model family plugs in here for loading and saving: which tensors it has (an architecture
// list of `TensorID`s and shapes) and what its checkpoints call them (a `CheckpointNaming`).
// Nothing else in the engine reads a checkpoint name. See docs/engine.md, "Adding a family".

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
        case .classifier(let a): "classifier.\(a.rawValue)"
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

/// BERT's tensors in buffer order (the order is the layout's; see `ParameterLayout`).
public enum BertArchitecture {
    public static func tensors(config: BertConfig, withPooler: Bool, numLabels: Int?) -> [(TensorID, [Int])] {
        let C = config.hiddenSize, I = config.intermediateSize
        var list: [(TensorID, [Int])] = [
            (.wordEmbeddings, [config.vocabSize, C]),
            (.positionEmbeddings, [config.maxPositionEmbeddings, C]),
            (.tokenTypeEmbeddings, [config.typeVocabSize, C]),
            (.embeddingsNorm(.weight), [C]),
            (.embeddingsNorm(.bias), [C]),
        ]
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
        if withPooler {
            list += [(.pooler(.weight), [C, C]), (.pooler(.bias), [C])]
        }
        if let numLabels {
            list += [(.classifier(.weight), [numLabels, C]), (.classifier(.bias), [numLabels])]
        }
        return list
    }
}
