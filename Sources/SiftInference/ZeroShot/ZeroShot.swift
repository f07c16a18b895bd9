import Foundation
import SiftEngine

/// How a model scores labels it was never trained on.
public enum ZeroShotMethod: String, Sendable, Codable, CaseIterable {
    /// An NLI classifier: each (text, hypothesis) pair, entailment against the rest.
    case nli
    /// A sentence embedder: cosine between the text and each label's description.
    case embedding
}

/// One text's zero-shot answer: labels sorted by score, best first (the pipeline's output).
public struct ZeroShotResult: Sendable, Equatable {
    public var labels: [String]
    public var scores: [Float]
    public init(labels: [String], scores: [Float]) { self.labels = labels; self.scores = scores }

    /// Sorts `scores` (indexed like `names`) best first; ties keep the later label first, as
    /// `reversed(argsort)` does.
    static func sorted(_ scores: [Float], names: [String]) -> ZeroShotResult {
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 > $1 }
        return ZeroShotResult(labels: order.map { names[$0] }, scores: order.map { scores[$0] })
    }
}

/// Hugging Face's `ZeroShotClassificationPipeline` scoring over an NLI classifier's logits.
public struct NLIZeroShot: Sendable {
    /// The first label (in label-id order) whose lower-cased name starts with "entail".
    public let entailmentID: Int
    /// The pipeline's choice: the last label when entailment is the first, else the first.
    public let contradictionID: Int

    public init(classifier: any TextClassifier) throws {
        try self.init(labels: classifier.labels, problemType: classifier.problemType)
    }

    public init(labels: [String], problemType: ProblemType) throws {
        guard problemType == .singleLabel, labels.count >= 2 else {
            throw InferenceError.unsupportedTask("NLI zero-shot needs a single-label classifier with entailment among its labels; this one has \(labels.count) label(s), problem type \(problemType.rawValue)")
        }
        guard let e = labels.firstIndex(where: { $0.lowercased().hasPrefix("entail") }) else {
            throw InferenceError.unsupportedTask("the model's labels (\(labels.joined(separator: ", "))) have none starting with 'entail', so it is not an NLI model; use an NLI classifier or an embedding model")
        }
        entailmentID = e
        contradictionID = e == 0 ? labels.count - 1 : 0
    }

    /// The (text, hypothesis) pairs of a request, text-major: pair t × L + l is text t with label l.
    public static func pairs(_ texts: [String], _ labels: ZeroShotLabels) -> [(String, String)] {
        let hyp = labels.hypotheses
        return texts.flatMap { t in hyp.map { (t, $0) } }
    }

    /// Scores from the pairs' logits (`pairLogits[t × L + l]`):
    /// - multi-label (or one label): per label, softmax over [contradiction, entailment], the
    ///   entailment share;
    /// - else: softmax of the entailment logits across the labels.
    public func results(pairLogits: [[Float]], texts: Int, labels: ZeroShotLabels, multiLabel: Bool) -> [ZeroShotResult] {
        let L = labels.names.count
        return (0..<texts).map { t in
            let rows = (0..<L).map { pairLogits[t * L + $0] }
            let scores: [Float]
            if multiLabel || L == 1 {
                scores = rows.map { r in
                    let c = Double(r[contradictionID]), e = Double(r[entailmentID])
                    let m = max(c, e)
                    let ee = Foundation.exp(e - m)
                    return Float(ee / (Foundation.exp(c - m) + ee))
                }
            } else {
                let e = rows.map { Double($0[entailmentID]) }
                let m = e.max() ?? 0
                let ex = e.map { Foundation.exp($0 - m) }
                let s = ex.reduce(0, +)
                scores = ex.map { Float($0 / s) }
            }
            return ZeroShotResult.sorted(scores, names: labels.names)
        }
    }
}

/// Zero-shot over sentence embeddings: cosine(text, label description), then softmax of the
/// cosines divided by a temperature (single-label), or the cosines themselves as independent
/// scores (multi-label).
public struct EmbeddingZeroShot: Sendable {
    /// 0.05 is sentence-transformers' usual similarity scale of 20 (MultipleNegativesRankingLoss).
    public static let defaultTemperature = 0.05
    public var temperature: Double

    public init(temperature: Double = EmbeddingZeroShot.defaultTemperature) throws {
        guard temperature > 0, temperature.isFinite else {
            throw InferenceError.badInput("the temperature must be a positive number, got \(temperature)")
        }
        self.temperature = temperature
    }

    /// - texts, labelVectors: embeddings (any norm: cosines are computed).
    public func results(texts: [[Float]], labelVectors: [[Float]], labels: ZeroShotLabels, multiLabel: Bool) -> [ZeroShotResult] {
        let unitLabels = labelVectors.map(Self.unit)
        return texts.map { v in
            let u = Self.unit(v)
            let cos = unitLabels.map { l in zip(u, l).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
            let scores: [Float]
            if multiLabel {
                scores = cos.map(Float.init)
            } else {
                let z = cos.map { $0 / temperature }
                let m = z.max() ?? 0
                let e = z.map { Foundation.exp($0 - m) }
                let s = e.reduce(0, +)
                scores = e.map { Float($0 / s) }
            }
            return ZeroShotResult.sorted(scores, names: labels.names)
        }
    }

    static func unit(_ v: [Float]) -> [Float] {
        let n = max(v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot(), 1e-12)
        return v.map { Float(Double($0) / n) }
    }
}

/// A zero-shot scorer bound to a loaded folder: NLI when the folder is a classifier with an
/// entailment label, embeddings when it is an embedder (or when asked).
public struct ZeroShotClassifier: Sendable {
    public let method: ZeroShotMethod
    public let labels: ZeroShotLabels
    public let multiLabel: Bool
    let nli: NLIZeroShot?
    let embedding: EmbeddingZeroShot?

    /// One label is accepted where it still means something: NLI scores it yes/no (the
    /// pipeline's rule), as does multi-label embedding similarity; choosing among fewer than two
    /// labels (embedding softmax) is refused.
    /// - method: nil chooses from the folder: a classifier folder is used as NLI (and must have
    ///   an entailment label), an embeddings-only folder by similarity.
    public init(bundle: ModelBundle, labels: [String], template: String = ZeroShotLabels.defaultTemplate,
                descriptions: [String: String] = [:], multiLabel: Bool = false, method: ZeroShotMethod? = nil,
                temperature: Double = EmbeddingZeroShot.defaultTemperature) throws {
        let m = method ?? (bundle.classifier == nil ? .embedding : .nli)
        if m == .nli && bundle.classifier == nil {
            throw InferenceError.unsupportedTask("\(bundle.directory.path) has no classification head, so it cannot be used as an NLI model; zero-shot by embeddings works with it")
        }
        try self.init(method: m, head: bundle.classifier.map { ($0.labels, $0.problemType) }, labels: labels, template: template,
                      descriptions: descriptions, multiLabel: multiLabel, temperature: temperature)
    }

    /// - head: the classifier's labels and problem type (needed by NLI; nil for an embedder).
    public init(method: ZeroShotMethod, head: (labels: [String], problemType: ProblemType)?, labels: [String],
                template: String = ZeroShotLabels.defaultTemplate, descriptions: [String: String] = [:],
                multiLabel: Bool = false, temperature: Double = EmbeddingZeroShot.defaultTemperature) throws {
        self.method = method
        self.multiLabel = multiLabel
        self.labels = try ZeroShotLabels(labels, template: template, descriptions: descriptions,
                                         minimum: method == .nli || multiLabel ? 1 : 2)
        switch method {
        case .nli:
            guard let head else { throw InferenceError.unsupportedTask("NLI zero-shot needs a classifier with an entailment label") }
            nli = try NLIZeroShot(labels: head.labels, problemType: head.problemType); embedding = nil
        case .embedding:
            nli = nil; embedding = try EmbeddingZeroShot(temperature: temperature)
        }
    }

    /// An empty text has nothing to route: refused rather than ranked. Returns the index of the
    /// first empty (or whitespace-only) text, nil when all have content.
    public static func firstEmpty(_ texts: [String]) -> Int? {
        texts.firstIndex { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }

    /// What must be encoded for `texts`: the (text, hypothesis) pairs (NLI), or the texts (embedding).
    public func encodings(_ texts: [String], encoder: TextEncoder) -> [EncodedText] {
        switch method {
        case .nli: encoder.encode(pairs: NLIZeroShot.pairs(texts, labels))
        case .embedding: encoder.encode(texts)
        }
    }

    /// The label descriptions to embed once (embedding method): each label's text in the template.
    public var labelTexts: [String] { labels.hypotheses }

    /// From the classifier logits of `encodings(texts)` (NLI).
    public func results(pairLogits: [[Float]], texts: Int) -> [ZeroShotResult] {
        nli!.results(pairLogits: pairLogits, texts: texts, labels: labels, multiLabel: multiLabel)
    }

    /// From the texts' and labels' embeddings (embedding method).
    public func results(textVectors: [[Float]], labelVectors: [[Float]]) -> [ZeroShotResult] {
        embedding!.results(texts: textVectors, labelVectors: labelVectors, labels: labels, multiLabel: multiLabel)
    }
}
