import SiftEngine

/// A classification head over the encoder, whatever its shape: `SequenceClassifier`
/// (BertForSequenceClassification: pooler + linear) or `EmbeddingClassifier` (a SetFit-style
/// logistic regression on sentence embeddings). Predict, eval, serve and the trainer's
/// evaluation see only this.
public protocol TextClassifier: AnyObject, Sendable {
    /// Label names in index order.
    var labels: [String] { get }
    var problemType: ProblemType { get }
    /// One prediction per sequence of the batch, in order.
    func predict(_ batch: PackedBatch, acts: Activations) throws -> [Classification]
}

extension SequenceClassifier: TextClassifier {}
