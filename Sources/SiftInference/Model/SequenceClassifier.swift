import Foundation
import SiftEngine

/// One text's classifier output, indexed like the model's labels.
public struct Classification: Sendable, Equatable {
    /// Probabilities (softmax for single-label, sigmoid for multi-label) or raw values for regression.
    public var scores: [Float]
    /// The head's raw outputs before any activation.
    public var logits: [Float]

    public init(scores: [Float], logits: [Float]) {
        self.scores = scores
        self.logits = logits
    }
}

/// `BertForSequenceClassification` at inference: logits from the pooled [CLS] vector, turned into
/// scores with Hugging Face `problem_type` semantics.
public final class SequenceClassifier: @unchecked Sendable {
    public let model: BertModel

    public init(model: BertModel) throws {
        guard model.head.isSequence else {
            throw InferenceError.badInput("model has no classification head (needs a classifier over a dense layer: pooler.dense.* and classifier.* for BERT, classifier.dense.* and classifier.out_proj.* for RoBERTa, pre_classifier.* and classifier.* for DistilBERT)")
        }
        self.model = model
    }

    public convenience init(directory: URL) throws {
        let model = try BertModel.load(directory: directory, withClassifier: nil)
        guard model.layout.numLabels != nil else {
            throw InferenceError.missingHead(file: directory.appendingPathComponent("model.safetensors").path, tensor: "classifier.weight")
        }
        try self.init(model: model)
    }

    public var labels: [String] { model.config.labelNames }
    public var problemType: ProblemType { model.config.effectiveProblemType }

    /// One input's result: raw logits and scores (softmax / sigmoid / identity), both by label index.
    public typealias Prediction = Classification

    /// Classifies token-id sequences. Returns one prediction per sequence.
    public func predict(_ sequences: [[Int32]], acts: Activations? = nil) throws -> [Prediction] {
        let batch = try PackedBatch(sequences: sequences)
        let a = acts ?? model.makeActivations()
        return try predict(batch, acts: a)
    }

    public func predict(_ batch: PackedBatch, acts: Activations) throws -> [Prediction] {
        try model.forward(batch, acts: acts, outputs: .logits)
        let L = labels.count
        return (0..<batch.batchSize).map { b in
            let logits = Array(UnsafeBufferPointer(start: acts.logits + b * L, count: L))
            return Prediction(scores: Self.scores(logits, problemType), logits: logits)
        }
    }

    /// softmax for single-label, sigmoid for multi-label, identity for regression.
    public static func scores(_ logits: [Float], _ problem: ProblemType) -> [Float] {
        switch problem {
        case .singleLabel:
            let m = logits.max() ?? 0
            let e = logits.map { Foundation.exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        case .multiLabel:
            return logits.map { 1 / (1 + Foundation.exp(-$0)) }
        case .regression:
            return logits
        }
    }
}
