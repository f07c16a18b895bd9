/// `BertForTokenClassification`'s head: dropout, then one linear layer applied to every token of
/// the encoder's output (no pooler). Same seam as `SequenceClassificationHead`: a forward from
/// `lastHidden` into the caller's buffer and a backward that adds ∂lastHidden for the encoder.
///
/// The caller owns dropout (it passes the dropped copy of `lastHidden` as `input`), so inference
/// and training share this type and the encoder stays unchanged.
public struct TokenClassificationHead: Sendable {
    /// The classifier [L, C].
    public let classifier: LinearWeights

    /// The head of a model loaded from a token-classification folder (`classifier.*` without a pooler).
    public init(model: BertModel) throws {
        guard let c = model.weights.classifier else {
            throw EngineError.badInput("this model has no classification head (no classifier.weight in the checkpoint)")
        }
        classifier = c
    }

    public var numLabels: Int { classifier.outFeatures }

    /// logits [N,L] = input · Wᵀ + b, where input is `acts.lastHidden` (or its dropped copy).
    public func forward(model: BertModel, input: UnsafePointer<Float>, tokens n: Int, logits: UnsafeMutablePointer<Float>) {
        let p = model.parameters
        BLAS.threaded {
            Ops.linearForward(out: logits, inp: input, weight: p.pointer(classifier.weight), bias: p.pointer(classifier.bias),
                              n: n, inChannels: classifier.inFeatures, outChannels: classifier.outFeatures)
        }
    }

    /// ADDS ∂loss/∂W, ∂loss/∂b into `grads` (when given) and ∂loss/∂input into `dhidden` [N,C],
    /// given ∂loss/∂logits [N,L]. `input` must be what the forward read.
    public func backward(model: BertModel, input: UnsafePointer<Float>, tokens n: Int, dlogits: UnsafePointer<Float>,
                         grads: ParameterBuffer?, dhidden: UnsafeMutablePointer<Float>) {
        BLAS.threaded {
            Backward.linear(dinp: dhidden, dweight: grads?.pointer(classifier.weight), dbias: grads?.pointer(classifier.bias),
                            dout: dlogits, inp: input, weight: model.parameters.pointer(classifier.weight),
                            N: n, C: classifier.inFeatures, OC: classifier.outFeatures)
        }
    }
}
