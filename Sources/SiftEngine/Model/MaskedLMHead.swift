/// `BertOnlyMLMHead` over chosen rows of the encoder's output: transform (dense, the config's
/// activation, LayerNorm), then the decoder, whose weight is the word-embedding table (tied, as
/// `tie_word_embeddings` makes it in transformers) and whose bias is the head's own.
///
/// Only the rows that carry a label (or a [MASK] to fill) go through the head: at 15% masking
/// that is a seventh of the [rows, V] logits a full-sequence head would compute. Same seam as
/// the other heads: a forward from `lastHidden`, a backward that ADDS ∂lastHidden for the
/// encoder's backward, and parameter gradients that go into the model's one gradient buffer, the
/// decoder's into the word embeddings' slice beside the encoder's own.
public struct MaskedLMHead: Sendable {
    public let weights: MaskedLMWeights
    public let activation: HiddenAct
    public let eps: Float
    public let channels: Int
    public var vocabSize: Int { weights.decoder.outFeatures }

    public init(model: BertModel) throws {
        guard let w = model.weights.maskedLM else {
            throw EngineError.badInput("this model has no masked-language-model head (no \(model.naming.name(of: .maskedLM(.decoderBias))) in the checkpoint)")
        }
        weights = w
        activation = model.config.hiddenAct
        eps = model.config.layerNormEps
        channels = model.config.hiddenSize
    }

    /// What the forward keeps for the backward, and the logits.
    public struct Pass: Sendable {
        /// The rows of `lastHidden` the head ran on.
        public let rows: [Int]
        /// [M, C] each: the gathered rows, the dense output, its activation, the LayerNorm output.
        var input: [Float], pre: [Float], act: [Float], normed: [Float]
        /// [M, V] decoder logits.
        public var logits: [Float]
    }

    /// logits [M, V] of `rows` of `hidden` [N, C] (normally `acts.lastHidden`).
    public func forward(model: BertModel, hidden: UnsafePointer<Float>, rows: [Int]) -> Pass {
        let C = channels, V = vocabSize, M = rows.count
        let p = model.parameters
        var pass = Pass(rows: rows, input: [Float](repeating: 0, count: M * C), pre: [Float](repeating: 0, count: M * C),
                        act: [Float](repeating: 0, count: M * C), normed: [Float](repeating: 0, count: M * C),
                        logits: [Float](repeating: 0, count: M * V))
        if M == 0 { return pass }
        for (k, r) in rows.enumerated() { for c in 0..<C { pass.input[k * C + c] = hidden[r * C + c] } }
        BLAS.threaded {
            Ops.linearForward(out: &pass.pre, inp: pass.input, weight: p.pointer(weights.transform.weight),
                              bias: p.pointer(weights.transform.bias), n: M, inChannels: C, outChannels: C)
            Ops.activationForward(activation, out: &pass.act, inp: pass.pre, count: M * C)
            Ops.layerNormForward(out: &pass.normed, inp: pass.act, weight: p.pointer(weights.layerNorm.weight),
                                 bias: p.pointer(weights.layerNorm.bias), n: M, c: C, eps: eps)
            Ops.linearForward(out: &pass.logits, inp: pass.normed, weight: p.pointer(weights.decoder.weight),
                              bias: p.pointer(weights.decoder.bias), n: M, inChannels: C, outChannels: V)
        }
        return pass
    }

    /// Given ∂loss/∂logits [M, V] of `pass`, ADDS the head's gradients into `grads` (when given;
    /// `tiedDecoder` false leaves the word embeddings' slice alone, for a frozen table) and
    /// ∂loss/∂hidden into the pass's rows of `dhidden` [N, C].
    public func backward(model: BertModel, pass: Pass, dlogits: UnsafePointer<Float>, grads: ParameterBuffer?,
                         tiedDecoder: Bool = true, dhidden: UnsafeMutablePointer<Float>) {
        let C = channels, V = vocabSize, M = pass.rows.count
        if M == 0 { return }
        let p = model.parameters
        var dnormed = [Float](repeating: 0, count: M * C), dact = [Float](repeating: 0, count: M * C)
        var dpre = [Float](repeating: 0, count: M * C), dinput = [Float](repeating: 0, count: M * C)
        BLAS.threaded {
            Backward.linear(dinp: &dnormed, dweight: tiedDecoder ? grads?.pointer(weights.decoder.weight) : nil,
                            dbias: grads?.pointer(weights.decoder.bias), dout: dlogits, inp: pass.normed,
                            weight: p.pointer(weights.decoder.weight), N: M, C: C, OC: V)
            Backward.layerNorm(dinp: &dact, dweight: grads?.pointer(weights.layerNorm.weight),
                               dbias: grads?.pointer(weights.layerNorm.bias), dout: dnormed, inp: pass.act,
                               weight: p.pointer(weights.layerNorm.weight), N: M, C: C, eps: eps)
            switch activation {
            case .gelu: Backward.gelu(dinp: &dpre, dout: dact, inp: pass.pre, count: M * C)
            case .geluNew: Backward.geluTanh(dinp: &dpre, dout: dact, inp: pass.pre, count: M * C)
            case .relu: Backward.relu(dinp: &dpre, dout: dact, inp: pass.pre, count: M * C)
            }
            Backward.linear(dinp: &dinput, dweight: grads?.pointer(weights.transform.weight),
                            dbias: grads?.pointer(weights.transform.bias), dout: dpre, inp: pass.input,
                            weight: p.pointer(weights.transform.weight), N: M, C: C, OC: C)
        }
        for (k, r) in pass.rows.enumerated() { for c in 0..<C { dhidden[r * C + c] += dinput[k * C + c] } }
    }
}
