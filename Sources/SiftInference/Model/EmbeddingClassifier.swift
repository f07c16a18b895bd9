import Foundation
import SiftCore
import SiftEngine

/// A linear head on sentence embeddings: logits = embedding · Wᵀ + b, softmax (single-label) or
/// sigmoid (multi-label, one-vs-rest). SetFit's folder layout, with the head in safetensors
/// instead of a pickle: the sentence-transformers body as it was, `config_setfit.json`
/// (`labels`, `normalize_embeddings`, as SetFit writes it) and `model_head.safetensors`
/// (`weight` [K, C], `bias` [K]; `problem_type` in its metadata).
public struct EmbeddingHead: Sendable, Equatable {
    public static let fileName = "model_head.safetensors"
    public static let setfitConfigName = "config_setfit.json"
    /// SetFit's own head file: a pickled scikit-learn estimator, which Sift does not execute.
    public static let pickledHeadName = "model_head.pkl"

    public var labels: [String]
    /// [K, C] row-major.
    public var weight: [Float]
    /// [K]
    public var bias: [Float]
    public var problemType: ProblemType

    public init(labels: [String], weight: [Float], bias: [Float], problemType: ProblemType) {
        self.labels = labels; self.weight = weight; self.bias = bias; self.problemType = problemType
    }

    public var dimension: Int { labels.isEmpty ? 0 : weight.count / labels.count }

    /// Whether the folder holds a head of this kind (or SetFit's pickled one, which `read` refuses).
    public static func present(in directory: URL) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: directory.appendingPathComponent(fileName).path)
            || fm.fileExists(atPath: directory.appendingPathComponent(pickledHeadName).path)
    }

    /// Reads the head; nil when the folder has none.
    public static func read(directory: URL) throws -> EmbeddingHead? {
        let url = directory.appendingPathComponent(fileName)
        let fm = FileManager.default
        guard fm.fileExists(atPath: url.path) else {
            let pkl = directory.appendingPathComponent(pickledHeadName)
            if fm.fileExists(atPath: pkl.path) {
                throw InferenceError.badConfig(file: pkl.path, reason: "a pickled scikit-learn head cannot be loaded safely; retrain with `sift train --method setfit`, or export the head's coef_ and intercept_ as weight [K, C] and bias [K] in \(fileName)")
            }
            return nil
        }
        let configURL = directory.appendingPathComponent(setfitConfigName)
        struct SetFitConfig: Decodable { var labels: [String]? }
        let labels: [String]
        do {
            labels = try JSONDecoder().decode(SetFitConfig.self, from: Data(contentsOf: configURL)).labels ?? []
        } catch {
            throw InferenceError.badConfig(file: configURL.path, reason: "needs a \"labels\" list next to \(fileName) (\(error.localizedDescription))")
        }
        let file = try SafetensorsFile(url: url)
        guard let w = file.tensors["weight"], let b = file.tensors["bias"], w.shape.count == 2, b.shape.count == 1 else {
            throw InferenceError.badConfig(file: url.path, reason: "needs tensors weight [K, C] and bias [K]")
        }
        let K = w.shape[0]
        guard b.shape[0] == K, K == labels.count, K > 0 else {
            throw InferenceError.badConfig(file: url.path, reason: "weight has \(K) rows and bias \(b.shape[0]) for the \(labels.count) labels of \(setfitConfigName)")
        }
        guard Set(labels).count == labels.count else {
            throw InferenceError.badConfig(file: configURL.path, reason: "labels repeat")
        }
        let problem = file.metadata["problem_type"].flatMap(ProblemType.init(rawValue:)) ?? .singleLabel
        guard problem != .regression else {
            throw InferenceError.badConfig(file: url.path, reason: "problem_type regression is not a classifier head")
        }
        let weight = try file.floats("weight"), bias = try file.floats("bias")
        guard weight.allSatisfy(\.isFinite), bias.allSatisfy(\.isFinite) else {
            throw InferenceError.badConfig(file: url.path, reason: "the head holds non-finite values")
        }
        return EmbeddingHead(labels: labels, weight: weight, bias: bias, problemType: problem)
    }

    /// Writes `model_head.safetensors` and `config_setfit.json` (each atomically).
    public func write(directory: URL, normalizeEmbeddings: Bool = false) throws {
        let K = labels.count, C = dimension
        try SafetensorsWriter.write(
            [.init(name: "weight", shape: [K, C], payload: .f32Array(weight)),
             .init(name: "bias", shape: [K], payload: .f32Array(bias))],
            metadata: ["format": "pt", "problem_type": problemType.rawValue, "head": "logistic_regression"],
            to: directory.appendingPathComponent(Self.fileName))
        let config: [String: Any] = ["labels": labels, "normalize_embeddings": normalizeEmbeddings]
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try AtomicWriter.write(data, to: directory.appendingPathComponent(Self.setfitConfigName))
    }
}

/// `TextClassifier` over a sentence embedder and an `EmbeddingHead`.
public final class EmbeddingClassifier: TextClassifier, @unchecked Sendable {
    public let embedder: SentenceEmbedder
    public let head: EmbeddingHead

    public init(embedder: SentenceEmbedder, head: EmbeddingHead) throws {
        guard head.dimension == embedder.dimension else {
            throw InferenceError.badInput("the head takes \(head.dimension)-dimensional embeddings; the encoder makes \(embedder.dimension)")
        }
        self.embedder = embedder; self.head = head
    }

    public var labels: [String] { head.labels }
    public var problemType: ProblemType { head.problemType }

    public func predict(_ batch: PackedBatch, acts: Activations) throws -> [Classification] {
        try embedder.embed(batch, acts: acts)
        let K = labels.count, C = embedder.dimension
        var logits = [Float](repeating: 0, count: batch.batchSize * K)
        for b in 0..<batch.batchSize { for k in 0..<K { logits[b * K + k] = head.bias[k] } }
        if batch.batchSize > 0 {
            BLAS.sgemm(transA: false, transB: true, m: batch.batchSize, n: K, k: C, a: acts.sentence, lda: C,
                       b: head.weight, ldb: C, beta: 1, c: &logits, ldc: K)
        }
        return (0..<batch.batchSize).map { b in
            let row = Array(logits[(b * K)..<((b + 1) * K)])
            return Classification(scores: SequenceClassifier.scores(row, problemType), logits: row)
        }
    }
}
