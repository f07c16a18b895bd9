import Foundation

// LoRA (Hu et al. 2021) as PEFT implements it: a frozen linear layer W gains a low-rank update,
// y = W·x + b + s · B·(A·dropout(x)), A [r, in] and B [out, r], s = alpha / r (alpha / √r with
// rsLoRA). A and B are ordinary tensors of the model's `ParameterLayout` (`TensorID.lora`), so
// gradients, AdamW, checkpoints and clipping treat them as any other parameter; the forward and
// backward add their terms next to the adapted layer (LoRA+Pass.swift). See docs/training.md, "LoRA".

/// An encoder linear layer LoRA can adapt (PEFT's target modules of a BERT-family layer).
public enum LoRAModule: Int, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case query, key, value, attentionOutput, intermediate, output

    /// The adapted layer's weight in layer `l`.
    public func weight(layer l: Int) -> TensorID {
        switch self {
        case .query: .layer(l, .qkv(.query, .weight))
        case .key: .layer(l, .qkv(.key, .weight))
        case .value: .layer(l, .qkv(.value, .weight))
        case .attentionOutput: .layer(l, .attentionOutput(.weight))
        case .intermediate: .layer(l, .intermediate(.weight))
        case .output: .layer(l, .output(.weight))
        }
    }

    /// (in, out) features of the adapted layer.
    public func features(_ config: BertConfig) -> (input: Int, output: Int) {
        let C = config.hiddenSize, I = config.intermediateSize
        switch self {
        case .query, .key, .value, .attentionOutput: return (C, C)
        case .intermediate: return (C, I)
        case .output: return (I, C)
        }
    }

    /// The projection's first column inside the fused [N, 3C] Q|K|V output (nil: not a projection).
    var projection: Projection? {
        switch self {
        case .query: .query
        case .key: .key
        case .value: .value
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .query: "query"
        case .key: "key"
        case .value: "value"
        case .attentionOutput: "attention output"
        case .intermediate: "intermediate"
        case .output: "output"
        }
    }
}

/// A LoRA update's two factors: A [r, in] (the down-projection, PEFT's `lora_A`) and B [out, r].
public enum LoRAFactor: String, Sendable, Hashable {
    case a = "lora_A", b = "lora_B"
}

/// One adapted layer: a module of an encoder layer.
public struct LoRASite: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let layer: Int
    public let module: LoRAModule
    public init(layer: Int, module: LoRAModule) { self.layer = layer; self.module = module }
    public var description: String { "layer \(layer) \(module)" }
    public static func < (a: LoRASite, b: LoRASite) -> Bool {
        (a.layer, a.module.rawValue) < (b.layer, b.module.rawValue)
    }
}

/// The settings of a LoRA adapter, in PEFT's terms (`LoraConfig`).
public struct LoRAConfig: Sendable, Equatable {
    /// r: the rank of each update.
    public var rank: Int
    /// lora_alpha: the update is scaled by alpha / r.
    public var alpha: Double
    /// lora_dropout: dropout on the adapted layer's input, on the LoRA branch only.
    public var dropout: Float
    /// target_modules: PEFT module-name keys; a key matches a layer whose name equals it or ends
    /// in "." + key ("query" matches `encoder.layer.3.attention.self.query`).
    public var targets: [String]
    /// use_rslora: scale by alpha / √r (Kalajdzievski 2023) instead of alpha / r.
    public var rsLoRA: Bool

    public init(rank: Int = 8, alpha: Double = 16, dropout: Float = 0.05, targets: [String] = ["query", "value"],
                rsLoRA: Bool = false) {
        self.rank = rank; self.alpha = alpha; self.dropout = dropout; self.targets = targets; self.rsLoRA = rsLoRA
    }

    /// The factor s of s · B·A.
    public var scale: Float { Float(rsLoRA ? alpha / Double(rank).squareRoot() : alpha / Double(rank)) }

    public func validate() throws {
        guard rank >= 1 else { throw EngineError.badInput("LoRA rank (r) must be at least 1, found \(rank)") }
        guard alpha > 0, alpha.isFinite else { throw EngineError.badInput("LoRA alpha must be positive, found \(alpha)") }
        guard dropout >= 0, dropout < 1 else { throw EngineError.badInput("LoRA dropout must be in [0, 1), found \(dropout)") }
        guard !targets.isEmpty else { throw EngineError.badInput("LoRA needs at least one target module") }
        if let dup = Dictionary(grouping: targets, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw EngineError.badInput("LoRA target '\(dup)' is given twice")
        }
    }

    /// The adapted layers of a model of `config`, by PEFT's suffix rule over the family's module
    /// names. A key that matches no encoder layer, or one that matches the pooler or the head
    /// (which LoRA does not adapt here: the head trains in full), is refused, naming what exists.
    public func sites(config: BertConfig) throws -> [LoRASite] {
        try validate()
        let naming = config.family.naming(sequenceHead: true)
        func matches(_ key: String, _ module: String) -> Bool {
            let full = naming.modelPrefix + module
            return module == key || full == key || module.hasSuffix("." + key)
        }
        let outside = [TensorID.pooler(.weight), .headDense(.weight), .classifier(.weight)].map { naming.name(of: $0).droppingWeightSuffix }
        var sites: Set<LoRASite> = []
        for key in targets {
            if let m = outside.first(where: { matches(key, $0) }) {
                throw EngineError.badInput("LoRA target '\(key)' matches \(m), outside the encoder layers; the head trains in full (name encoder modules such as query, value, attention.output.dense)")
            }
            var hit = false
            for l in 0..<config.numHiddenLayers {
                for m in LoRAModule.allCases where matches(key, naming.name(of: m.weight(layer: l)).droppingWeightSuffix) {
                    sites.insert(LoRASite(layer: l, module: m)); hit = true
                }
            }
            if !hit {
                let names = LoRAModule.allCases.map { naming.name(of: $0.weight(layer: 0)).droppingWeightSuffix }
                throw EngineError.badInput("LoRA target '\(key)' matches no layer of this \(config.family.modelType) model; its layers are \(names.joined(separator: ", ")) (per layer)")
            }
        }
        return sites.sorted()
    }
}

/// The adapters a model carries: its settings and the layers they resolved to.
public struct LoRALayout: Sendable, Equatable {
    public let config: LoRAConfig
    public let sites: [LoRASite]

    public init(config: LoRAConfig, model: BertConfig) throws {
        self.config = config
        sites = try config.sites(config: model)
    }

    /// A and B of every site, in buffer order.
    func tensors(config model: BertConfig) -> [(TensorID, [Int])] {
        sites.flatMap { s -> [(TensorID, [Int])] in
            let f = s.module.features(model)
            return [(.lora(s, .a), [config.rank, f.input]), (.lora(s, .b), [f.output, config.rank])]
        }
    }

    /// The lowest encoder layer with an adapter (the backward runs down to it).
    public var lowestLayer: Int? { sites.map(\.layer).min() }
}

/// Typed views of one site's factors.
public struct LoRAWeights: Sendable, Hashable {
    /// [r, in]
    public let a: TensorSlice
    /// [out, r]
    public let b: TensorSlice
    public var rank: Int { a.rows }
}

extension CheckpointNaming {
    /// PEFT's name for a factor: the adapted layer's module, then `lora_A.weight` / `lora_B.weight`
    /// (`encoder.layer.0.attention.self.query.lora_A.weight`; PEFT drops the adapter name on save).
    public func loraName(_ site: LoRASite, _ factor: LoRAFactor) -> String {
        name(of: site.module.weight(layer: site.layer)).droppingWeightSuffix + "." + factor.rawValue + ".weight"
    }
}

extension String {
    /// "x.weight" → "x": a tensor's module path.
    var droppingWeightSuffix: String { hasSuffix(".weight") ? String(dropLast(".weight".count)) : self }
}
