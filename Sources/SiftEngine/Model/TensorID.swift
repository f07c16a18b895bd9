// What each parameter tensor IS, independent of the name a checkpoint stores it under: the
// layout, the typed views, the trainer's parameter groups and the freezing rules work on these;
// names come from a `CheckpointNaming` and are read only where weights are loaded and saved.

/// One parameter tensor of a post-LayerNorm transformer encoder (BERT and its relatives) and
/// the heads on top of it.
public enum TensorID: Hashable, Sendable, CustomStringConvertible {
    /// [V, C] token embeddings.
    case wordEmbeddings
    /// [P, C] absolute position embeddings.
    case positionEmbeddings
    /// [TV, C] token type (segment) embeddings.
    case tokenTypeEmbeddings
    /// [C] LayerNorm after the embedding sum.
    case embeddingsNorm(Affine)
    /// A tensor of encoder layer `l`.
    case layer(Int, LayerTensor)
    /// BertPooler's dense layer.
    case pooler(Affine)
    /// The dense layer a sequence-classification head puts before its output layer when the
    /// family's head owns one (RoBERTa's `classifier.dense`, DistilBERT's `pre_classifier`);
    /// BERT's head uses the encoder's pooler instead.
    case headDense(Affine)
    /// The classification head's output layer (per text or per token).
    case classifier(Affine)
    /// A LoRA factor of an adapted encoder layer (Adapters/LoRA.swift).
    case lora(LoRASite, LoRAFactor)
    /// A tensor of the masked-language-model head (`BertOnlyMLMHead`; its decoder weight is the
    /// word embeddings, tied).
    case maskedLM(MaskedLMTensor)

    /// Where the tensor sits (decides whether it trains: `TrainableParts`).
    public var part: ModelPart {
        switch self {
        case .wordEmbeddings, .positionEmbeddings, .tokenTypeEmbeddings, .embeddingsNorm: .embeddings
        case .layer(let l, _): .layer(l)
        case .pooler: .pooler
        case .headDense, .classifier, .maskedLM: .classifier
        case .lora: .adapters
        }
    }

    /// What kind of tensor it is (decides weight decay and initialization).
    public var role: TensorRole {
        switch self {
        case .wordEmbeddings, .positionEmbeddings, .tokenTypeEmbeddings: .embeddingTable
        case .embeddingsNorm(let a): a == .weight ? .normWeight : .normBias
        case .layer(_, let t): t.role
        case .pooler(let a), .headDense(let a), .classifier(let a): a == .weight ? .linearWeight : .linearBias
        // Weights as PEFT's trainer sees them: decayed like any linear weight.
        case .lora: .linearWeight
        case .maskedLM(let t): t.role
        }
    }

    public var description: String {
        switch self {
        case .wordEmbeddings: "word embeddings"
        case .positionEmbeddings: "position embeddings"
        case .tokenTypeEmbeddings: "token type embeddings"
        case .embeddingsNorm(let a): "embeddings LayerNorm \(a)"
        case .layer(let l, let t): "layer \(l) \(t)"
        case .pooler(let a): "pooler \(a)"
        case .headDense(let a): "classification head dense \(a)"
        case .classifier(let a): "classifier \(a)"
        case .lora(let s, let f): "\(s) \(f.rawValue)"
        case .maskedLM(let t): "masked-LM head \(t)"
        }
    }
}

/// The tensors of BertLMPredictionHead: the transform (dense [C, C], activation, LayerNorm [C])
/// and the decoder's output bias [V]. The decoder weight is not here: it is `.wordEmbeddings`.
public enum MaskedLMTensor: Hashable, Sendable, CustomStringConvertible {
    case transform(Affine)
    case transformNorm(Affine)
    case decoderBias

    public var role: TensorRole {
        switch self {
        case .transform(let a): a == .weight ? .linearWeight : .linearBias
        case .transformNorm(let a): a == .weight ? .normWeight : .normBias
        case .decoderBias: .linearBias
        }
    }

    public var description: String {
        switch self {
        case .transform(let a): "transform \(a)"
        case .transformNorm(let a): "transform LayerNorm \(a)"
        case .decoderBias: "decoder bias"
        }
    }
}

/// The two tensors of an affine map: a Linear's weight and bias, a LayerNorm's gain and shift.
public enum Affine: String, Hashable, Sendable {
    case weight, bias
}

/// The three projections of self-attention, in the order they sit inside the fused Q|K|V tensor.
public enum Projection: Int, Hashable, Sendable, CaseIterable {
    case query, key, value
}

/// The tensors of one encoder layer (BertLayer).
public enum LayerTensor: Hashable, Sendable, CustomStringConvertible {
    /// One third of the fused self-attention projection: rows p·C..<(p+1)·C of the [3C, C] weight
    /// (or of the [3C] bias), stored in checkpoints as its own tensor.
    case qkv(Projection, Affine)
    /// BertSelfOutput.dense [C, C].
    case attentionOutput(Affine)
    /// BertSelfOutput.LayerNorm [C].
    case attentionNorm(Affine)
    /// BertIntermediate.dense [I, C].
    case intermediate(Affine)
    /// BertOutput.dense [C, I].
    case output(Affine)
    /// BertOutput.LayerNorm [C].
    case outputNorm(Affine)

    public var role: TensorRole {
        switch self {
        case .qkv(_, let a), .attentionOutput(let a), .intermediate(let a), .output(let a):
            a == .weight ? .linearWeight : .linearBias
        case .attentionNorm(let a), .outputNorm(let a):
            a == .weight ? .normWeight : .normBias
        }
    }

    public var description: String {
        switch self {
        case .qkv(let p, let a): "\(p) \(a)"
        case .attentionOutput(let a): "attention output \(a)"
        case .attentionNorm(let a): "attention LayerNorm \(a)"
        case .intermediate(let a): "intermediate \(a)"
        case .output(let a): "output \(a)"
        case .outputNorm(let a): "output LayerNorm \(a)"
        }
    }
}

/// A part of the model that trains or stays frozen as a whole.
public enum ModelPart: Hashable, Sendable {
    case embeddings
    case layer(Int)
    case pooler
    /// The task head (its dense layer, if the family's head has one, and the output layer).
    case classifier
    /// LoRA factors (trained while the layers they adapt stay frozen).
    case adapters
}

/// The kind of a parameter tensor.
public enum TensorRole: Hashable, Sendable, CaseIterable {
    case embeddingTable, linearWeight, linearBias, normWeight, normBias

    /// transformers' Trainer rule: decoupled weight decay on weights and embedding tables, none on
    /// biases nor on LayerNorm parameters.
    public var takesWeightDecay: Bool {
        switch self {
        case .embeddingTable, .linearWeight: true
        case .linearBias, .normWeight, .normBias: false
        }
    }

    /// Biases (and LayerNorm shifts) start at zero when a head is initialized.
    public var isBias: Bool { self == .linearBias || self == .normBias }
}
