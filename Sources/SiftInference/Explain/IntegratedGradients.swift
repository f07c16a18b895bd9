import Foundation
import SiftEngine
import SiftTokenizers

/// Integrated Gradients over the output of BERT's embeddings module, as Captum's
/// `LayerIntegratedGradients(forward, model.bert.embeddings)` computes it: the baseline is
/// `[CLS] [PAD]… [SEP]` (same length, token types and positions), the path is straight between
/// the two embedding outputs, and the integral is an n-point Gauss–Legendre rule (Captum's
/// default method, 50 steps). Attributions are (x − x′) ⊙ Σᵢ wᵢ ∂f/∂x(x′ + αᵢ(x − x′)), summed
/// over the hidden dimension; the convergence delta says how far they are from f(x) − f(x′).
public struct IntegratedGradients: Sendable {
    public let model: BertModel
    public let problemType: ProblemType
    public var steps: Int
    public var output: AttributionOutput
    /// Tokens per forward pass of interpolated copies (bounds the recording workspace).
    public var maxTokensPerForward: Int

    public init(classifier: SequenceClassifier, steps: Int = 50, output: AttributionOutput = .probability,
                maxTokensPerForward: Int = 2048) throws {
        guard steps >= 1 else { throw InferenceError.badInput("integrated gradients needs at least 1 step, got \(steps)") }
        model = classifier.model; problemType = classifier.problemType
        self.steps = steps; self.output = output; self.maxTokensPerForward = maxTokensPerForward
    }

    public struct Result: Sendable {
        /// Per token, summed over the hidden dimension (not normalized).
        public var attributions: [Double]
        public var delta: Double
        public var inputValue: Double
        public var baselineValue: Double
        public var target: Int
    }

    /// Attributes `target` (nil: the highest-scoring label) for one encoded text. `acts` must be recording.
    public func attribute(ids: [Int32], typeIds: [Int32], baselineIds: [Int32], target: Int?, acts: Activations) throws -> Result {
        guard acts.recording else { throw InferenceError.badInput("integrated gradients needs recording activations") }
        let T = ids.count, C = model.config.hiddenSize
        let one = try PackedBatch(sequences: [ids], typeIds: [typeIds])
        try model.forward(one, acts: acts, outputs: .logits)
        let inputLogits = Array(UnsafeBufferPointer(start: acts.logits, count: acts.numLabels))
        let x = Array(UnsafeBufferPointer(start: acts.hidden(0), count: T * C))
        let t = target ?? Self.argmax(inputLogits)
        guard t >= 0 && t < inputLogits.count else {
            throw InferenceError.badInput("target label \(t) is outside the model's \(inputLogits.count) labels")
        }
        try model.forward(try PackedBatch(sequences: [baselineIds], typeIds: [typeIds]), acts: acts, outputs: .logits)
        let baselineLogits = Array(UnsafeBufferPointer(start: acts.logits, count: acts.numLabels))
        let x0 = Array(UnsafeBufferPointer(start: acts.hidden(0), count: T * C))

        let (alphas, weights) = GaussLegendre.rule(steps)
        var total = [Double](repeating: 0, count: T * C)
        let perForward = Swift.max(1, maxTokensPerForward / Swift.max(1, T))
        var step = 0
        while step < steps {
            let k = Swift.min(perForward, steps - step)
            let batch = try PackedBatch(sequences: Array(repeating: ids, count: k), typeIds: Array(repeating: typeIds, count: k))
            var path = [Float](repeating: 0, count: k * T * C)
            for s in 0..<k {
                let a = Float(alphas[step + s])
                for i in 0..<(T * C) { path[s * T * C + i] = x0[i] + a * (x[i] - x0[i]) }
            }
            try path.withUnsafeBufferPointer { try model.forward(batch, acts: acts, outputs: .logits, embeddingOutput: $0.baseAddress!) }
            let L = acts.numLabels
            var dlogits = [Float](repeating: 0, count: k * L)
            for s in 0..<k {
                let row = Array(UnsafeBufferPointer(start: acts.logits + s * L, count: L))
                let g = gradient(row, target: t)
                for j in 0..<L { dlogits[s * L + j] = g[j] }
            }
            var dE = [Float](repeating: 0, count: k * T * C)
            try dlogits.withUnsafeBufferPointer { dl in
                try dE.withUnsafeMutableBufferPointer { out in
                    try model.inputGradient(batch, acts: acts, dlogits: dl.baseAddress!, into: out.baseAddress!)
                }
            }
            for s in 0..<k {
                let w = weights[step + s]
                for i in 0..<(T * C) { total[i] += w * Double(dE[s * T * C + i]) }
            }
            step += k
        }
        var attributions = [Double](repeating: 0, count: T)
        for tok in 0..<T {
            var sum = 0.0
            for c in 0..<C { let i = tok * C + c; sum += Double(x[i] - x0[i]) * total[i] }
            attributions[tok] = sum
        }
        let fx = value(inputLogits, target: t), fx0 = value(baselineLogits, target: t)
        return Result(attributions: attributions, delta: attributions.reduce(0, +) - (fx - fx0),
                      inputValue: fx, baselineValue: fx0, target: t)
    }

    /// The explained value of one logit row.
    func value(_ logits: [Float], target t: Int) -> Double {
        switch output {
        case .logit: return Double(logits[t])
        case .probability: return Double(SequenceClassifier.scores(logits, problemType)[t])
        }
    }

    /// ∂value/∂logits for one row.
    func gradient(_ logits: [Float], target t: Int) -> [Float] {
        var g = [Float](repeating: 0, count: logits.count)
        switch (output, problemType) {
        case (.logit, _), (.probability, .regression):
            g[t] = 1
        case (.probability, .singleLabel):
            let p = SequenceClassifier.scores(logits, .singleLabel)
            for j in 0..<logits.count { g[j] = p[t] * ((j == t ? 1 : 0) - p[j]) }
        case (.probability, .multiLabel):
            let s = 1 / (1 + Foundation.exp(-logits[t]))
            g[t] = s * (1 - s)
        }
        return g
    }

    static func argmax(_ x: [Float]) -> Int {
        var best = 0
        for j in x.indices where x[j] > x[best] { best = j }
        return best
    }
}
