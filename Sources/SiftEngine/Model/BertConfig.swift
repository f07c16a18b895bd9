import Foundation

/// Activation in the feed-forward block (`hidden_act`).
public enum HiddenAct: String, Codable, Sendable, CaseIterable {
    /// 0.5·x·(1 + erf(x/√2)), PyTorch's exact GELU.
    case gelu
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), GPT-2's approximation.
    case geluNew = "gelu_new"
    case relu
}

extension HiddenAct {
    /// The activation named `raw` under `key`, or an error listing those supported.
    static func decode<K: CodingKey>(_ raw: String, key: K, in c: KeyedDecodingContainer<K>) throws -> HiddenAct {
        guard let a = HiddenAct(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c,
                debugDescription: "\(key.stringValue) '\(raw)' is not supported (supported: \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return a
    }
}

/// Hugging Face `problem_type`: decides how logits become scores (and which loss trains them).
public enum ProblemType: String, Codable, Sendable {
    case singleLabel = "single_label_classification"
    case multiLabel = "multi_label_classification"
    case regression
}

/// `config.json` of any supported family, held in BERT's terms (the encoder is the same
/// post-LayerNorm transformer): each `ModelFamily` reads and writes its own key names
/// (DistilBERT's `dim`, `n_layers`, …) into these fields, with transformers' defaults. Unknown
/// keys are ignored; known keys keep their HF meaning.
public struct BertConfig: Codable, Sendable, Equatable {
    public static var supportedModelTypes: [String] { ModelFamilies.supportedModelTypes }

    public var modelType: String = "bert"
    public var architectures: [String]? = nil
    public var vocabSize: Int = 30522
    public var hiddenSize: Int = 768
    public var numHiddenLayers: Int = 12
    public var numAttentionHeads: Int = 12
    public var intermediateSize: Int = 3072
    public var hiddenAct: HiddenAct = .gelu
    public var hiddenDropoutProb: Float = 0.1
    public var attentionProbsDropoutProb: Float = 0.1
    public var classifierDropout: Float? = nil
    public var maxPositionEmbeddings: Int = 512
    public var typeVocabSize: Int = 2
    public var initializerRange: Float = 0.02
    public var layerNormEps: Float = 1e-12
    public var padTokenId: Int = 0
    public var positionEmbeddingType: String = "absolute"
    public var problemType: ProblemType? = nil
    /// Label names by index (`id2label`, keys are decimal strings in the file).
    public var id2label: [Int: String]? = nil
    public var label2id: [String: Int]? = nil

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", architectures
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case hiddenAct = "hidden_act", hiddenDropoutProb = "hidden_dropout_prob"
        case attentionProbsDropoutProb = "attention_probs_dropout_prob", classifierDropout = "classifier_dropout"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case initializerRange = "initializer_range", layerNormEps = "layer_norm_eps", padTokenId = "pad_token_id"
        case positionEmbeddingType = "position_embedding_type", problemType = "problem_type"
        case id2label, label2id, numLabels = "num_labels"
    }

    public init() {}

    /// A default config of a family (`modelType` one of `supportedModelTypes`).
    public init(modelType: String) {
        self.modelType = modelType
        padTokenId = modelType == "bert" || modelType == "distilbert" ? 0 : 1
        if !family.hasTokenTypes { typeVocabSize = 1 }
    }

    /// The family of `modelType` (BERT's for a type `validate` refuses).
    public var family: any ModelFamily { ModelFamilies.named(modelType) ?? BertFamily() }

    /// The longest sequence the position table takes: `max_position_embeddings` less the rows
    /// before the first position (RoBERTa/XLM-R: 514 − (pad + 1) = 512). Truncate to this.
    public var maxSequenceLength: Int { maxPositionEmbeddings - family.firstPosition(self) }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decodeIfPresent(String.self, forKey: .modelType) ?? "bert"
        // An unknown type is read with BERT's keys; `validate` then names what is supported.
        self = try (ModelFamilies.named(type) ?? BertFamily()).decode(from: decoder)
        modelType = type
    }

    public func encode(to encoder: Encoder) throws { try family.encode(self, to: encoder) }

    /// The keys every family spells as BERT does (labels, problem type, ids, initializer).
    mutating func decodeCommonKeys(_ c: KeyedDecodingContainer<CodingKeys>) throws {
        func get<T: Decodable>(_ k: CodingKeys, _ d: T) throws -> T { try c.decodeIfPresent(T.self, forKey: k) ?? d }
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures)
        vocabSize = try get(.vocabSize, vocabSize)
        maxPositionEmbeddings = try get(.maxPositionEmbeddings, maxPositionEmbeddings)
        initializerRange = try get(.initializerRange, initializerRange)
        padTokenId = (try? c.decodeIfPresent(Int.self, forKey: .padTokenId)) ?? padTokenId
        problemType = try c.decodeIfPresent(ProblemType.self, forKey: .problemType)
        if let raw = try c.decodeIfPresent([String: String].self, forKey: .id2label) {
            var m: [Int: String] = [:]
            for (k, v) in raw {
                guard let i = Int(k) else {
                    throw DecodingError.dataCorruptedError(forKey: .id2label, in: c, debugDescription: "id2label key '\(k)' is not an integer")
                }
                m[i] = v
            }
            id2label = m
        }
        label2id = try c.decodeIfPresent([String: Int].self, forKey: .label2id)
        // `num_labels` is not saved by transformers but users write it; it only matters without id2label.
        if id2label == nil, let n = try c.decodeIfPresent(Int.self, forKey: .numLabels), n > 0 {
            id2label = Dictionary(uniqueKeysWithValues: (0..<n).map { ($0, "LABEL_\($0)") })
        }
    }

    func encodeCommonKeys(_ c: inout KeyedEncodingContainer<CodingKeys>) throws {
        try c.encode(modelType, forKey: .modelType)
        try c.encodeIfPresent(architectures, forKey: .architectures)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(initializerRange, forKey: .initializerRange)
        try c.encode(padTokenId, forKey: .padTokenId)
        try c.encodeIfPresent(problemType, forKey: .problemType)
        if let id2label {
            try c.encode(Dictionary(uniqueKeysWithValues: id2label.map { (String($0.key), $0.value) }), forKey: .id2label)
        }
        try c.encodeIfPresent(label2id, forKey: .label2id)
    }

    /// BERT's own key names (also RoBERTa's and XLM-R's), over `defaults`.
    static func decodeBertKeys(from decoder: Decoder, defaults: BertConfig) throws -> BertConfig {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ k: CodingKeys, _ d: T) throws -> T { try c.decodeIfPresent(T.self, forKey: k) ?? d }
        var cfg = defaults
        try cfg.decodeCommonKeys(c)
        cfg.hiddenSize = try get(.hiddenSize, cfg.hiddenSize)
        cfg.numHiddenLayers = try get(.numHiddenLayers, cfg.numHiddenLayers)
        cfg.numAttentionHeads = try get(.numAttentionHeads, cfg.numAttentionHeads)
        cfg.intermediateSize = try get(.intermediateSize, cfg.intermediateSize)
        cfg.hiddenAct = try HiddenAct.decode(try get(.hiddenAct, cfg.hiddenAct.rawValue), key: .hiddenAct, in: c)
        cfg.hiddenDropoutProb = try get(.hiddenDropoutProb, cfg.hiddenDropoutProb)
        cfg.attentionProbsDropoutProb = try get(.attentionProbsDropoutProb, cfg.attentionProbsDropoutProb)
        cfg.classifierDropout = try c.decodeIfPresent(Float.self, forKey: .classifierDropout)
        cfg.typeVocabSize = try get(.typeVocabSize, cfg.typeVocabSize)
        cfg.layerNormEps = try get(.layerNormEps, cfg.layerNormEps)
        cfg.positionEmbeddingType = try get(.positionEmbeddingType, cfg.positionEmbeddingType)
        return cfg
    }

    func encodeBertKeys(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try encodeCommonKeys(&c)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(hiddenAct.rawValue, forKey: .hiddenAct)
        try c.encode(hiddenDropoutProb, forKey: .hiddenDropoutProb)
        try c.encode(attentionProbsDropoutProb, forKey: .attentionProbsDropoutProb)
        try c.encodeIfPresent(classifierDropout, forKey: .classifierDropout)
        try c.encode(typeVocabSize, forKey: .typeVocabSize)
        try c.encode(layerNormEps, forKey: .layerNormEps)
        try c.encode(positionEmbeddingType, forKey: .positionEmbeddingType)
    }

    /// Number of classifier outputs implied by `id2label` (nil: no classification head configured).
    public var numLabels: Int? { id2label.map { $0.count } }

    /// The folder is a `…ForTokenClassification` (a label per token, not per text).
    public var isTokenClassification: Bool {
        architectures?.contains { $0.hasSuffix("ForTokenClassification") } ?? false
    }

    /// The folder is a `…ForMaskedLM` (`sift pretrain`'s output; `sift fill-mask` reads its head).
    public var isMaskedLM: Bool {
        architectures?.contains { $0.hasSuffix("ForMaskedLM") } ?? false
    }

    /// Label names in index order (`LABEL_i` where id2label has a gap).
    public var labelNames: [String] {
        guard let id2label, let n = numLabels else { return [] }
        return (0..<n).map { id2label[$0] ?? "LABEL_\($0)" }
    }

    /// HF's rule when `problem_type` is unset: one label means regression, otherwise single-label.
    public var effectiveProblemType: ProblemType {
        if let problemType { return problemType }
        return numLabels == 1 ? .regression : .singleLabel
    }

    public var headSize: Int { hiddenSize / numAttentionHeads }

    /// Reads and checks `config.json`; errors name the file and the key.
    public static func load(_ url: URL) throws -> BertConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EngineError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        let cfg: BertConfig
        do { cfg = try JSONDecoder().decode(BertConfig.self, from: data) } catch let e as DecodingError {
            throw EngineError.badConfig(file: url.path, reason: describe(e))
        } catch {
            throw EngineError.badConfig(file: url.path, reason: "\(error)")
        }
        try cfg.validate(file: url.path)
        return cfg
    }

    public func validate(file: String) throws {
        guard let family = ModelFamilies.named(modelType) else {
            throw EngineError.unsupportedModel(file: file, modelType: modelType, supported: Self.supportedModelTypes)
        }
        guard positionEmbeddingType == "absolute" else {
            throw EngineError.badConfig(file: file, reason: "position_embedding_type '\(positionEmbeddingType)' is not supported (supported: absolute)")
        }
        for (k, v) in [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
                       ("num_attention_heads", numAttentionHeads), ("intermediate_size", intermediateSize),
                       ("max_position_embeddings", maxPositionEmbeddings), ("type_vocab_size", typeVocabSize)] where v <= 0 {
            throw EngineError.badConfig(file: file, reason: "\(k) must be positive, found \(v)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw EngineError.badConfig(file: file, reason: "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
        if let id2label {
            for k in id2label.keys where k < 0 || k >= id2label.count {
                throw EngineError.badConfig(file: file, reason: "id2label keys must be 0..<\(id2label.count), found \(k)")
            }
        }
        guard maxSequenceLength > 0 else {
            throw EngineError.badConfig(file: file, reason: "max_position_embeddings \(maxPositionEmbeddings) leaves no position after pad_token_id \(padTokenId) + 1")
        }
        try family.validate(self, file: file)
    }

    private static func describe(_ e: DecodingError) -> String {
        func path(_ p: [CodingKey]) -> String { p.map(\.stringValue).joined(separator: ".") }
        switch e {
        case let .typeMismatch(_, c): return "key '\(path(c.codingPath))': \(c.debugDescription)"
        case let .valueNotFound(_, c): return "key '\(path(c.codingPath))': \(c.debugDescription)"
        case let .keyNotFound(k, _): return "missing key '\(k.stringValue)'"
        case let .dataCorrupted(c):
            return c.codingPath.isEmpty ? "not valid JSON" : "key '\(path(c.codingPath))': \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}
