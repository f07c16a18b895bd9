import Foundation
import SiftEngine
import SiftTokenizers

/// What `sift explain` and `explain: true` ask for.
public struct ExplainOptions: Sendable, Equatable {
    public var method: AttributionMethod
    public var output: AttributionOutput
    /// Integrated Gradients' quadrature points.
    public var steps: Int
    /// The label explained; nil explains the predicted one.
    public var target: Int?

    public init(method: AttributionMethod = .integratedGradients, output: AttributionOutput = .probability,
                steps: Int = 50, target: Int? = nil) {
        self.method = method; self.output = output; self.steps = steps; self.target = target
    }
}

/// Explains a classifier folder's answers: Integrated Gradients (a fine-tuned head, which has a
/// backward) or occlusion (any classifier, forward passes only). Holds its own workspaces; one
/// explanation at a time.
public final class TextExplainer {
    public let bundle: ModelBundle
    public let classifier: any TextClassifier
    private lazy var recording = bundle.model.makeActivations(recording: true)
    private lazy var plain = bundle.model.makeActivations()

    public init(bundle: ModelBundle) throws {
        self.bundle = bundle
        classifier = try bundle.requireClassifier()
    }

    public var labels: [String] { classifier.labels }

    public func explain(_ text: String, options: ExplainOptions) throws -> Explanation {
        let e = bundle.encoder.tokenizer.encode(text, options: bundle.encoder.options)
        let scalars = Array(text.unicodeScalars)
        let base = try classifier.predict(PackedBatch(sequences: [e.ids], typeIds: [e.typeIds]), acts: plain)[0]
        let target = options.target ?? IntegratedGradients.argmax(base.scores)
        guard target >= 0 && target < base.scores.count else {
            throw InferenceError.badInput("target label \(target) is outside the model's \(base.scores.count) labels")
        }
        let words = Self.words(e, text: scalars)
        switch options.method {
        case .integratedGradients:
            guard let head = classifier as? SequenceClassifier else {
                throw InferenceError.unsupportedTask("integrated gradients needs a fine-tuned classification head (pooler and classifier weights); this folder's head is \(type(of: classifier)); use the occlusion method")
            }
            let ig = try IntegratedGradients(classifier: head, steps: options.steps, output: options.output)
            let baseline = Self.baseline(e, tokenizer: bundle.encoder.tokenizer)
            let r = try ig.attribute(ids: e.ids, typeIds: e.typeIds, baselineIds: baseline, target: target, acts: recording)
            let norm = (r.attributions.map { $0 * $0 }.reduce(0, +)).squareRoot()
            let normalized = r.attributions.map { norm > 0 ? $0 / norm : 0 }
            let tokens = e.tokens
            let tokenRows = (0..<e.count).map { i in
                Attribution(text: tokens[i], start: e.offsets[i].start, end: e.offsets[i].end, attribution: Float(normalized[i]))
            }
            let wordRows = words.map { w in
                Attribution(text: w.text, start: w.start, end: w.end, attribution: Float(w.tokens.map { normalized[$0] }.reduce(0, +)))
            }
            return Explanation(method: .integratedGradients, output: options.output, target: target, label: label(target),
                               score: base.scores[target], tokens: tokenRows, words: wordRows, convergenceDelta: Float(r.delta))
        case .occlusion:
            let drops = try occlusion(e, words: words, target: target, output: options.output, full: base)
            let wordRows = zip(words, drops).map { w, d in Attribution(text: w.text, start: w.start, end: w.end, attribution: d) }
            return Explanation(method: .occlusion, output: options.output, target: target, label: label(target),
                               score: base.scores[target], tokens: [], words: wordRows, convergenceDelta: nil)
        }
    }

    func label(_ i: Int) -> String { i < labels.count ? labels[i] : "LABEL_\(i)" }

    /// Leave one word out: the explained value on the text minus its value with the word's tokens deleted.
    func occlusion(_ e: Encoding, words: [Word], target: Int, output: AttributionOutput, full: Classification) throws -> [Float] {
        guard !words.isEmpty else { return [] }
        func value(_ c: Classification) -> Float { output == .logit ? c.logits[target] : c.scores[target] }
        var ids: [[Int32]] = [], types: [[Int32]] = []
        for w in words {
            let drop = Set(w.tokens)
            let keep = (0..<e.count).filter { !drop.contains($0) }
            ids.append(keep.map { e.ids[$0] }); types.append(keep.map { e.typeIds[$0] })
        }
        let packed = try PackedBatch(sequences: ids, typeIds: types)
        var out: [Float] = []
        for batch in packed.split(maxTokens: OfflineRunner.defaultMaxTokensPerForward) {
            out += try classifier.predict(batch, acts: plain).map { value(full) - value($0) }
        }
        return out
    }

    /// A tokenizer word: its tokens' indices and its span of the text.
    struct Word {
        var tokens: [Int]
        var start: Int
        var end: Int
        var text: String
    }

    /// Non-special tokens grouped by `wordIds` (the pre-tokenizer's words).
    static func words(_ e: Encoding, text: [Unicode.Scalar]) -> [Word] {
        var out: [Word] = []
        var current: Int32 = -1
        for i in 0..<e.count where e.specialTokensMask[i] == 0 && e.wordIds[i] >= 0 {
            if e.wordIds[i] == current, !out.isEmpty {
                out[out.count - 1].tokens.append(i)
                out[out.count - 1].end = e.offsets[i].end
            } else {
                current = e.wordIds[i]
                out.append(Word(tokens: [i], start: e.offsets[i].start, end: e.offsets[i].end, text: ""))
            }
        }
        for k in out.indices {
            let lo = min(out[k].start, text.count), hi = max(lo, min(out[k].end, text.count))
            var v = String.UnicodeScalarView(); v.append(contentsOf: text[lo..<hi])
            out[k].text = String(v)
        }
        return out
    }

    /// `[CLS] [PAD]… [SEP]`: special tokens kept where they are, every other token padding.
    static func baseline(_ e: Encoding, tokenizer: Tokenizer) -> [Int32] {
        (0..<e.count).map { e.specialTokensMask[$0] == 1 ? e.ids[$0] : tokenizer.padTokenId }
    }
}
