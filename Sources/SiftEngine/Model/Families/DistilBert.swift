import Foundation

/// DistilBERT (modeling_distilbert.py): BERT's post-LayerNorm layer under other names and config
/// keys, no token-type table, no dropout after the attention projection, no pooler, and a
/// `pre_classifier` + ReLU sequence head. Sinusoidal position tables are refused.
public struct DistilBertFamily: ModelFamily {
    public init() {}
    public var modelType: String { "distilbert" }
    public var className: String { "DistilBert" }
    public var sequenceHead: SequenceHeadStyle { .distilBert }
    public var hasTokenTypes: Bool { false }

    public func naming(sequenceHead: Bool) -> any CheckpointNaming { DistilBertCheckpointNames() }

    public var tiedDecoderName: String { "vocab_projector.weight" }

    /// DistilBertModel has no pooler (`pooler` is ignored).
    public func tensors(config: BertConfig, pooler: Bool, head: TaskHead) -> [(TensorID, [Int])] {
        encoderTensors(config: config, tokenTypes: false) + headTensors(config: config, head: head)
    }

    /// `dropout` on the embeddings and the FFN output, `attention_dropout` on the
    /// probabilities, none on out_lin's output, `seq_classif_dropout` before `classifier`.
    public func dropoutRates(_ config: BertConfig) -> DropoutRates {
        var rates = DropoutRates(hidden: config.hiddenDropoutProb, attention: config.attentionProbsDropoutProb,
                                 classifier: config.classifierDropout)
        rates.attentionOutput = 0
        return rates
    }

    /// DistilBertForTokenClassification drops with `dropout`, not `seq_classif_dropout`.
    public func tokenClassifierDropout(_ config: BertConfig) -> Float { config.hiddenDropoutProb }

    enum Keys: String, CodingKey {
        case dim, nLayers = "n_layers", nHeads = "n_heads", hiddenDim = "hidden_dim", activation
        case dropout, attentionDropout = "attention_dropout", seqClassifDropout = "seq_classif_dropout"
        case sinusoidalPosEmbds = "sinusoidal_pos_embds"
    }

    public func decode(from decoder: Decoder) throws -> BertConfig {
        var cfg = BertConfig(modelType: modelType)
        try cfg.decodeCommonKeys(decoder.container(keyedBy: BertConfig.CodingKeys.self))
        let c = try decoder.container(keyedBy: Keys.self)
        func get<T: Decodable>(_ k: Keys, _ d: T) throws -> T { try c.decodeIfPresent(T.self, forKey: k) ?? d }
        if try get(.sinusoidalPosEmbds, false) {
            throw DecodingError.dataCorruptedError(forKey: .sinusoidalPosEmbds, in: c,
                debugDescription: "sinusoidal_pos_embds true is not supported (Sift loads learned position tables only)")
        }
        cfg.hiddenSize = try get(.dim, 768)
        cfg.numHiddenLayers = try get(.nLayers, 6)
        cfg.numAttentionHeads = try get(.nHeads, 12)
        cfg.intermediateSize = try get(.hiddenDim, 4 * 768)
        cfg.hiddenAct = try HiddenAct.decode(try get(.activation, "gelu"), key: .activation, in: c)
        cfg.hiddenDropoutProb = try get(.dropout, 0.1)
        cfg.attentionProbsDropoutProb = try get(.attentionDropout, 0.1)
        cfg.classifierDropout = try get(.seqClassifDropout, 0.2)
        cfg.layerNormEps = 1e-12  // fixed in modeling_distilbert.py
        cfg.typeVocabSize = 1
        return cfg
    }

    public func encode(_ config: BertConfig, to encoder: Encoder) throws {
        var common = encoder.container(keyedBy: BertConfig.CodingKeys.self)
        try config.encodeCommonKeys(&common)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(config.hiddenSize, forKey: .dim)
        try c.encode(config.numHiddenLayers, forKey: .nLayers)
        try c.encode(config.numAttentionHeads, forKey: .nHeads)
        try c.encode(config.intermediateSize, forKey: .hiddenDim)
        try c.encode(config.hiddenAct.rawValue, forKey: .activation)
        try c.encode(config.hiddenDropoutProb, forKey: .dropout)
        try c.encode(config.attentionProbsDropoutProb, forKey: .attentionDropout)
        try c.encode(config.classifierDropout ?? 0.2, forKey: .seqClassifDropout)
        try c.encode(false, forKey: .sinusoidalPosEmbds)
    }

    public func validate(_ config: BertConfig, file: String) throws {
        guard config.layerNormEps == 1e-12 else {
            throw EngineError.badConfig(file: file, reason: "DistilBERT's LayerNorm eps is fixed at 1e-12")
        }
    }
}

/// transformers' DistilBertModel / DistilBertForSequenceClassification names.
public struct DistilBertCheckpointNames: CheckpointNaming {
    public init() {}

    public var modelPrefix: String { "distilbert." }

    public func name(of tensor: TensorID) -> String {
        switch tensor {
        case .wordEmbeddings: "embeddings.word_embeddings.weight"
        case .positionEmbeddings: "embeddings.position_embeddings.weight"
        // DistilBERT has neither table; these names appear in no checkpoint.
        case .tokenTypeEmbeddings: "embeddings.token_type_embeddings.weight"
        case .pooler(let a): "pooler.dense.\(a.rawValue)"
        case .embeddingsNorm(let a): "embeddings.LayerNorm.\(a.rawValue)"
        case .layer(let l, let t): "transformer.layer.\(l)." + layerName(t)
        case .headDense(let a): "pre_classifier.\(a.rawValue)"
        case .classifier(let a): "classifier.\(a.rawValue)"
        case .lora(let site, let f): loraName(site, f)
        // DistilBertForMaskedLM (its vocab_projector's weight is the word embeddings).
        case .maskedLM(.transform(let a)): "vocab_transform.\(a.rawValue)"
        case .maskedLM(.transformNorm(let a)): "vocab_layer_norm.\(a.rawValue)"
        case .maskedLM(.decoderBias): "vocab_projector.bias"
        }
    }

    private func layerName(_ t: LayerTensor) -> String {
        switch t {
        case .qkv(let p, let a):
            switch p {
            case .query: "attention.q_lin.\(a.rawValue)"
            case .key: "attention.k_lin.\(a.rawValue)"
            case .value: "attention.v_lin.\(a.rawValue)"
            }
        case .attentionOutput(let a): "attention.out_lin.\(a.rawValue)"
        case .attentionNorm(let a): "sa_layer_norm.\(a.rawValue)"
        case .intermediate(let a): "ffn.lin1.\(a.rawValue)"
        case .output(let a): "ffn.lin2.\(a.rawValue)"
        case .outputNorm(let a): "output_layer_norm.\(a.rawValue)"
        }
    }
}
