import Foundation

// Training-mode dropout for `BertModel.forward` / `backward`: where it applies (`DropoutSite`),
// how much (`DropoutRates`), where masks come from (`Dropout`: seeded, or injected by tests), and
// where they are kept for the backward (`DropoutMasks`, owned by recording `Activations`).
// Inference never passes a `Dropout`, so its path only sees `nil` checks.

/// The places where transformers' `BertForSequenceClassification` applies `nn.Dropout` in
/// training (modeling_bert.py), with the layout of the mask each one uses.
public enum DropoutSite: Hashable, Sendable, CustomStringConvertible {
    /// BertEmbeddings.dropout: hidden(0) [N,C], after the embeddings LayerNorm.
    case embeddings
    /// eager_attention_forward: the probabilities, [NH,T_b,T_b] per sequence at
    /// `Activations.probOffsets[b]` (the layout of `Activations.probs(l)`).
    case attentionProbs(layer: Int)
    /// BertSelfOutput.dropout: attention.output.dense output [N,C], before the residual.
    case attentionOutput(layer: Int)
    /// BertOutput.dropout: output.dense output [N,C], before the residual.
    case output(layer: Int)
    /// BertForSequenceClassification.dropout: pooled [B,C], before the classifier.
    case classifier
    /// RobertaClassificationHead's first dropout: the first token's rows [B,C], before its dense layer.
    case headInput
    /// PEFT's lora_dropout: an adapted layer's input [N, in], on the LoRA branch only.
    case lora(LoRASite)

    /// Separates the sites' random streams.
    var stream: UInt64 {
        switch self {
        case .embeddings: 0
        case .classifier: 1
        case .headInput: 0xFFFF_FFFF
        case .attentionProbs(let l): 2 + 3 * UInt64(l)
        case .attentionOutput(let l): 3 + 3 * UInt64(l)
        case .output(let l): 4 + 3 * UInt64(l)
        case .lora(let s): 0x1_0000_0000 + 8 * UInt64(s.layer) + UInt64(s.module.rawValue)
        }
    }

    public var description: String {
        switch self {
        case .embeddings: "embeddings"
        case .classifier: "classifier"
        case .headInput: "classification head input"
        case .attentionProbs(let l): "layer \(l) attention probabilities"
        case .attentionOutput(let l): "layer \(l) attention output"
        case .output(let l): "layer \(l) output"
        case .lora(let s): "LoRA input of \(s)"
        }
    }
}

/// Dropout probabilities (nn.Dropout's p) of a training forward.
public struct DropoutRates: Sendable, Equatable {
    /// hidden_dropout_prob: embeddings, output.dense (and attention.output.dense unless
    /// `attentionOutput` says otherwise).
    public var hidden: Float
    /// attention.output.dense's output: `hidden` for BERT, 0 for DistilBERT (no dropout there).
    public var attentionOutput: Float
    /// attention_probs_dropout_prob: attention probabilities.
    public var attention: Float
    /// classifier_dropout (transformers falls back to hidden_dropout_prob): pooled output (and
    /// RoBERTa's head input).
    public var classifier: Float
    /// lora_dropout: adapted layers' inputs on the LoRA branch (0 without adapters).
    public var lora: Float = 0

    public init(hidden: Float, attention: Float, classifier: Float? = nil) {
        self.hidden = hidden; self.attentionOutput = hidden; self.attention = attention
        self.classifier = classifier ?? hidden
    }

    /// The probabilities transformers' task models of the config's family read from config.json.
    public init(config: BertConfig) { self = config.family.dropoutRates(config) }

    /// Eval mode for the encoder (head-only training): only the head's rates stay.
    public var headOnly: DropoutRates {
        var r = self
        r.hidden = 0; r.attentionOutput = 0; r.attention = 0; r.lora = 0
        return r
    }

    public static let none = DropoutRates(hidden: 0, attention: 0, classifier: 0)

    public func rate(_ site: DropoutSite) -> Float {
        switch site {
        case .embeddings, .output: hidden
        case .attentionOutput: attentionOutput
        case .attentionProbs: attention
        case .classifier, .headInput: classifier
        case .lora: lora
        }
    }

    public var isZero: Bool { hidden == 0 && attentionOutput == 0 && attention == 0 && classifier == 0 && lora == 0 }

    /// Each probability must be in [0, 1) (p = 1 would scale kept units by 1/0).
    public func validate() throws {
        for (name, p) in [("hidden", hidden), ("attention output", attentionOutput), ("attention", attention),
                          ("classifier", classifier), ("LoRA", lora)] where !(p >= 0 && p < 1) {
            throw EngineError.badInput("\(name) dropout probability must be in [0, 1), found \(p)")
        }
    }
}

/// Turns on dropout for one training forward (`BertModel.forward(…, dropout:)`).
public struct Dropout: Sendable {
    /// Fills a site's scaled keep-mask (each element 0 or 1/(1−p)); layouts as in `DropoutSite`.
    public typealias MaskProvider = @Sendable (DropoutSite, UnsafeMutableBufferPointer<Float>) -> Void

    public var rates: DropoutRates
    public var seed: UInt64
    let provider: MaskProvider?

    /// Masks drawn from `seed` (the trainer derives it from its seed and the step), so the same
    /// seed drops the same units.
    public init(rates: DropoutRates, seed: UInt64) {
        self.rates = rates; self.seed = seed; provider = nil
    }

    /// Masks from `provider` instead of the generator: the parity tests inject PyTorch's masks.
    /// Sites with p = 0 are skipped and not asked for.
    public init(rates: DropoutRates, provider: @escaping MaskProvider) {
        self.rates = rates; seed = 0; self.provider = provider
    }

    /// A seed for one forward of a run: `runSeed` mixed with the optimizer step and the
    /// micro-batch within it (gradient accumulation), so a resumed run draws what an
    /// uninterrupted one would have drawn at the same step.
    public static func seed(run runSeed: UInt64, step: Int, microBatch: Int = 0) -> UInt64 {
        var h = DropoutRNG.mix(runSeed ^ 0x6472_6F70_6F75_7421)  // "dropout!"
        h = DropoutRNG.mix(h &+ UInt64(truncatingIfNeeded: step))
        return DropoutRNG.mix(h &+ UInt64(truncatingIfNeeded: microBatch) &* DropoutRNG.gamma)
    }

    /// Fills `mask` with the site's scaled keep-mask (drawn from the site's own stream of `seed`,
    /// or asked of the provider) and multiplies it into `x` if given. Used by the forward, and
    /// by head-only training for the classifier's dropout on cached features.
    public func draw(_ site: DropoutSite, into mask: UnsafeMutableBufferPointer<Float>,
                     applyTo x: UnsafeMutablePointer<Float>? = nil, workers: Int = 1) {
        guard let m = mask.baseAddress else { return }
        if let provider {
            provider(site, mask)
            if let x { for i in 0..<mask.count { x[i] *= m[i] } }
        } else {
            DropoutRNG.fillMask(m, count: mask.count, p: rates.rate(site),
                                seed: DropoutRNG.mix(seed &+ site.stream &* DropoutRNG.gamma), apply: x, workers: workers)
        }
    }
}

extension DropoutRNG {
    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// Writes a scaled keep-mask (0 with probability p, else 1/(1−p)) for `count` elements and,
    /// if `apply` is given, multiplies it into `apply` in the same pass.
    ///
    /// Counter-based so that chunks fill in parallel: element i takes 16-bit lane i % 4 of
    /// SplitMix64 output number i / 4 of `seed` (i.e. of `DropoutRNG(seed:)`), and is dropped
    /// when that lane is below round(p · 65536). Four draws per 64-bit word keep generation a
    /// small fraction of a step; p is resolved to 1/65536.
    public static func fillMask(_ mask: UnsafeMutablePointer<Float>, count: Int, p: Float, seed: UInt64,
                                apply: UnsafeMutablePointer<Float>? = nil, workers: Int = 1) {
        guard count > 0 else { return }
        let threshold = UInt64((Double(p) * 65536).rounded())
        let scale = 1 / (1 - p), scaleBits = scale.bitPattern
        let words = (count + 3) / 4
        // Below ~64k elements a thread hand-off costs more than it saves.
        let w = max(1, min(workers, words / 16_384))
        let per = (words + w - 1) / w, g = gamma
        Parallel.run(w) { part in
            let k0 = part * per, k1 = min(words, k0 + per)
            for k in k0..<k1 {
                let r = mix(seed &+ UInt64(k + 1) &* g)
                let base = 4 * k
                if base + 4 <= count {
                    // Branch-free (a data-dependent branch mispredicts on p of the elements; this
                    // halves the time): lane − threshold wraps to a set top bit iff lane < threshold.
                    @inline(__always) func m(_ lane: UInt64) -> Float {
                        Float(bitPattern: scaleBits & (UInt32(truncatingIfNeeded: (lane &- threshold) >> 63) &- 1))
                    }
                    let m0 = m(r & 0xFFFF), m1 = m((r >> 16) & 0xFFFF), m2 = m((r >> 32) & 0xFFFF), m3 = m(r >> 48)
                    mask[base] = m0; mask[base + 1] = m1; mask[base + 2] = m2; mask[base + 3] = m3
                    if let apply { apply[base] *= m0; apply[base + 1] *= m1; apply[base + 2] *= m2; apply[base + 3] *= m3 }
                } else {
                    for j in 0..<(count - base) {
                        let m: Float = (r >> UInt64(16 * j)) & 0xFFFF >= threshold ? scale : 0
                        mask[base + j] = m
                        if let apply { apply[base + j] *= m }
                    }
                }
            }
        }
    }
}

/// The masks of the last training forward, kept for the backward (one per site, in the site's
/// layout). Owned by a recording `Activations`; buffers grow to the largest batch and are reused.
public final class DropoutMasks: @unchecked Sendable {
    /// Rates of the last forward; `.none` when it ran without dropout.
    public private(set) var rates: DropoutRates = .none
    private var dropout: Dropout?
    private var n = 0, b = 0, probCount = 0, workers = 1
    private let c: Int, layers: Int
    /// [(1 + 2L)·N·C] the hidden-size masks: embeddings, then per layer attention output and output.
    private let hiddenMasks = GrowableBuffer()
    /// [L · Σ NH·T_b²] attention-probability masks, laid out like the kept probabilities.
    private let probMasks = GrowableBuffer()
    /// [B,C] the classifier's mask and its dropped input; the same for RoBERTa's head input.
    private let classifierMask = GrowableBuffer(), classifierInputs = GrowableBuffer()
    private let headInputMask = GrowableBuffer(), headInputs = GrowableBuffer()
    /// [N, in] per adapted layer: LoRA's input masks (sized when drawn, `lora(_:input:)`).
    private var loraMasks: [LoRASite: GrowableBuffer] = [:], loraCounts: [LoRASite: Int] = [:]

    init(channels: Int, layers: Int) { c = channels; self.layers = layers }

    /// Sizes the buffers for a batch and arms (or, with nil, disarms) the next forward's dropout.
    func start(_ dropout: Dropout?, acts: Activations) {
        self.dropout = dropout
        rates = dropout?.rates ?? .none
        n = acts.n; b = acts.b; workers = acts.workers
        probCount = acts.probOffsets.last ?? 0
        loraCounts = [:]  // drawn again by this forward's adapted layers
        guard dropout != nil else { return }
        if rates.hidden > 0 || rates.attentionOutput > 0 { hiddenMasks.reserve((1 + 2 * layers) * n * c) }
        if rates.attention > 0 { probMasks.reserve(layers * probCount) }
        if rates.classifier > 0 {
            classifierMask.reserve(b * c); classifierInputs.reserve(b * c)
            headInputMask.reserve(b * c); headInputs.reserve(b * c)
        }
    }

    /// Element count of a site's mask for the current batch.
    public func count(_ site: DropoutSite) -> Int {
        switch site {
        case .embeddings, .attentionOutput, .output: n * c
        case .attentionProbs: probCount
        case .classifier, .headInput: b * c
        case .lora(let s): loraCounts[s] ?? 0
        }
    }

    /// The mask a site used in the last forward; nil where it had no dropout (p = 0 or none).
    public func mask(_ site: DropoutSite) -> UnsafeMutablePointer<Float>? {
        guard dropout != nil, rates.rate(site) > 0 else { return nil }
        switch site {
        case .embeddings: return hiddenMasks.base
        case .attentionOutput(let l): return hiddenMasks.base + (1 + 2 * l) * n * c
        case .output(let l): return hiddenMasks.base + (2 + 2 * l) * n * c
        case .attentionProbs(let l): return probMasks.base + l * probCount
        case .classifier: return classifierMask.base
        case .headInput: return headInputMask.base
        case .lora(let s): return loraCounts[s] == nil ? nil : loraMasks[s]?.base
        }
    }

    /// Draws LoRA's input mask of an adapted layer ([N, features]) and applies it to `x` (a copy
    /// of the layer's input); nil when LoRA has no dropout.
    @discardableResult
    func lora(_ site: LoRASite, features: Int, applyTo x: UnsafeMutablePointer<Float>) -> UnsafePointer<Float>? {
        guard dropout != nil, rates.lora > 0 else { return nil }
        let buffer = loraMasks[site] ?? GrowableBuffer()
        loraMasks[site] = buffer
        buffer.reserve(n * features)
        loraCounts[site] = n * features
        return generate(.lora(site), applyTo: x)
    }

    /// [B,C] the classifier's input after dropout (nil: no classifier dropout, it reads `pooled`).
    public var classifierInput: UnsafeMutablePointer<Float>? {
        mask(.classifier) == nil ? nil : classifierInputs.base
    }

    /// [B,C] the head's dense input after dropout (nil: it reads the first tokens' rows).
    public var headInputValues: UnsafeMutablePointer<Float>? {
        mask(.headInput) == nil ? nil : headInputs.base
    }

    /// headInputValues = rows ⊙ mask; returns the dense layer's input (`rows` itself when p = 0).
    func headInput(rows: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        guard let x = headInputValues else { return rows }
        x.update(from: rows, count: b * c)
        generate(.headInput, applyTo: x)
        return x
    }

    /// Draws (or asks the provider for) a site's mask and multiplies it into `x` if given.
    /// Returns the mask, nil when the site has no dropout.
    @discardableResult
    func generate(_ site: DropoutSite, applyTo x: UnsafeMutablePointer<Float>? = nil) -> UnsafePointer<Float>? {
        guard let dropout, let m = mask(site) else { return nil }
        dropout.draw(site, into: UnsafeMutableBufferPointer(start: m, count: count(site)), applyTo: x, workers: workers)
        return UnsafePointer(m)
    }

    /// classifierInput = pooled ⊙ mask; returns the classifier's input (pooled itself when p = 0).
    func classifier(pooled: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        guard let x = classifierInput else { return pooled }
        x.update(from: pooled, count: b * c)
        generate(.classifier, applyTo: x)
        return x
    }
}

extension BertModel {
    /// Arms `acts` for a forward with or without dropout; returns the masks to fill, or nil
    /// (inference, or every probability 0: exactly the no-dropout forward).
    func startDropout(_ dropout: Dropout?, acts: Activations) throws -> DropoutMasks? {
        guard let dropout, !dropout.rates.isZero else {
            acts.dropout?.start(nil, acts: acts)
            return nil
        }
        try dropout.rates.validate()
        guard acts.recording else {
            throw EngineError.badInput("dropout is for training: it needs recording activations (makeActivations(recording: true))")
        }
        let masks = acts.dropout ?? DropoutMasks(channels: config.hiddenSize, layers: config.numHiddenLayers)
        acts.dropout = masks
        masks.start(dropout, acts: acts)
        return masks
    }
}

extension Backward {
    /// x ⊙= mask in place: the backward of a dropout whose input gradient may overwrite its output's.
    @inlinable
    public static func dropoutInPlace<T: GradScalar>(_ x: UnsafeMutablePointer<T>, mask: UnsafePointer<T>, count: Int) {
        for i in 0..<count { x[i] *= mask[i] }
    }
}
