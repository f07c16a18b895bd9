// Typed views of BERT's parameters (llm.c's ParameterTensors, candle's module tree): built once
// from a `ParameterLayout`, they hold offsets and shapes only, so the same view resolves to
// pointers in ANY buffer of that layout: parameters, gradients, AdamW moments. The forward and
// backward read `weights.layers[l].attention.qkv` instead of looking names up.

/// Offset and shape of one tensor (rank 1 or 2: every BERT tensor) in a `ParameterLayout`'s buffer.
/// Plain integers, so passing one around costs nothing on the hot path.
public struct TensorSlice: Sendable, Hashable {
    public let offset: Int
    /// Rows of a matrix; 1 for a vector.
    public let rows: Int
    public let columns: Int
    public let isMatrix: Bool

    public init(offset: Int, shape: [Int]) {
        precondition(shape.count == 1 || shape.count == 2, "tensor views are rank 1 or 2, found \(shape)")
        self.offset = offset
        isMatrix = shape.count == 2
        rows = isMatrix ? shape[0] : 1
        columns = shape[shape.count - 1]
    }

    public var shape: [Int] { isMatrix ? [rows, columns] : [columns] }
    public var count: Int { rows * columns }
}

/// nn.Linear: weight [out, in] (PyTorch layout), bias [out].
public struct LinearWeights: Sendable, Hashable {
    public let weight: TensorSlice
    public let bias: TensorSlice
    public var inFeatures: Int { weight.columns }
    public var outFeatures: Int { weight.rows }
}

/// nn.LayerNorm's affine parameters: weight (gain) [C], bias (shift) [C].
public struct LayerNormWeights: Sendable, Hashable {
    public let weight: TensorSlice
    public let bias: TensorSlice
}

/// BertEmbeddings: word [V, C], position [P, C] and token type [TV, C] tables, then LayerNorm.
public struct EmbeddingWeights: Sendable, Hashable {
    public let word: TensorSlice
    public let position: TensorSlice
    /// nil for a family without token types (DistilBERT).
    public let tokenType: TensorSlice?
    public let layerNorm: LayerNormWeights
}

/// BertAttention: the fused self-attention projection and BertSelfOutput.
public struct AttentionWeights: Sendable, Hashable {
    /// Q|K|V in one nn.Linear [3C, C] + [3C]: rows 0..<C are the query projection, C..<2C the
    /// key, 2C..<3C the value (checkpoints store them as three tensors; see `LayerTensor.qkv`).
    public let qkv: LinearWeights
    /// BertSelfOutput.dense [C, C].
    public let output: LinearWeights
    /// BertSelfOutput.LayerNorm.
    public let layerNorm: LayerNormWeights
}

/// BertLayer.
public struct BertLayerWeights: Sendable, Hashable {
    public let attention: AttentionWeights
    /// BertIntermediate.dense [I, C].
    public let intermediate: LinearWeights
    /// BertOutput.dense [C, I].
    public let output: LinearWeights
    /// BertOutput.LayerNorm.
    public let layerNorm: LayerNormWeights
}

/// Every parameter of a `BertModel` as typed views.
public struct BertWeights: Sendable, Hashable {
    public let embeddings: EmbeddingWeights
    public let layers: [BertLayerWeights]
    /// BertPooler.dense [C, C], if the model has a pooler.
    public let pooler: LinearWeights?
    /// A sequence head's own dense layer [C, C] (RoBERTa's `classifier.dense`, DistilBERT's
    /// `pre_classifier`), if the model has one.
    public let headDense: LinearWeights?
    /// The classifier [L, C] (per text or per token), if the model has one.
    public let classifier: LinearWeights?
    /// LoRA factors of each adapted layer (empty without adapters).
    public let lora: [LoRASite: LoRAWeights]
    /// The masked-LM head, if the model carries one.
    public let maskedLM: MaskedLMWeights?

    /// Resolves every view in `layout` (built by a `ModelFamily`, so each tensor it needs is there).
    public init(layout: ParameterLayout, layers: Int) {
        func slice(_ id: TensorID) -> TensorSlice {
            guard let e = layout[id: id] else { preconditionFailure("the layout has no \(id)") }
            return e.slice
        }
        func linear(_ w: TensorID, _ b: TensorID) -> LinearWeights { LinearWeights(weight: slice(w), bias: slice(b)) }
        func norm(_ w: TensorID, _ b: TensorID) -> LayerNormWeights { LayerNormWeights(weight: slice(w), bias: slice(b)) }
        embeddings = EmbeddingWeights(word: slice(.wordEmbeddings), position: slice(.positionEmbeddings),
                                      tokenType: layout[id: .tokenTypeEmbeddings]?.slice,
                                      layerNorm: norm(.embeddingsNorm(.weight), .embeddingsNorm(.bias)))
        self.layers = (0..<layers).map { l in
            func t(_ x: LayerTensor) -> TensorID { .layer(l, x) }
            guard let qkvWeight = layout.fused(Projection.allCases.map { t(.qkv($0, .weight)) }),
                  let qkvBias = layout.fused(Projection.allCases.map { t(.qkv($0, .bias)) }) else {
                preconditionFailure("layer \(l): query, key and value are not adjacent in the layout")
            }
            return BertLayerWeights(
                attention: AttentionWeights(qkv: LinearWeights(weight: qkvWeight, bias: qkvBias),
                                            output: linear(t(.attentionOutput(.weight)), t(.attentionOutput(.bias))),
                                            layerNorm: norm(t(.attentionNorm(.weight)), t(.attentionNorm(.bias)))),
                intermediate: linear(t(.intermediate(.weight)), t(.intermediate(.bias))),
                output: linear(t(.output(.weight)), t(.output(.bias))),
                layerNorm: norm(t(.outputNorm(.weight)), t(.outputNorm(.bias))))
        }
        pooler = layout.hasPooler ? linear(.pooler(.weight), .pooler(.bias)) : nil
        headDense = layout.hasHeadDense ? linear(.headDense(.weight), .headDense(.bias)) : nil
        classifier = layout.numLabels != nil ? linear(.classifier(.weight), .classifier(.bias)) : nil
        var lora: [LoRASite: LoRAWeights] = [:]
        for e in layout.entries {
            if case .lora(let site, .a) = e.id { lora[site] = LoRAWeights(a: e.slice, b: slice(.lora(site, .b))) }
        }
        self.lora = lora
        maskedLM = layout[id: .maskedLM(.decoderBias)].map { bias in
            MaskedLMWeights(transform: linear(.maskedLM(.transform(.weight)), .maskedLM(.transform(.bias))),
                            layerNorm: norm(.maskedLM(.transformNorm(.weight)), .maskedLM(.transformNorm(.bias))),
                            decoder: LinearWeights(weight: slice(.wordEmbeddings), bias: bias.slice))
        }
    }
}

/// BertLMPredictionHead: transform (dense [C, C], activation, LayerNorm) then the decoder, whose
/// weight [V, C] is the word-embedding table (tied) and whose bias [V] is the head's own.
public struct MaskedLMWeights: Sendable, Hashable {
    public let transform: LinearWeights
    public let layerNorm: LayerNormWeights
    public let decoder: LinearWeights
}
