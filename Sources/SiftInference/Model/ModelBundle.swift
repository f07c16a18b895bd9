import Foundation
import SiftEngine

/// What a model folder is for, in Hugging Face `problem_type` terms (plus embeddings-only folders).
public enum ModelTask: String, Codable, Sendable, CaseIterable {
    case singleLabel = "single_label_classification"
    case multiLabel = "multi_label_classification"
    case regression
    case embedding
}

/// A model folder loaded once, with everything inference needs: the encoder weights, the
/// tokenizer and truncation length, the pooling a sentence-transformers folder asks for, and the
/// classification head and its labels when the folder has one.
public final class ModelBundle: Sendable {
    public let directory: URL
    public let model: BertModel
    public let encoder: TextEncoder
    /// `SequenceClassifier` for a BertForSequenceClassification folder, `EmbeddingClassifier`
    /// for a folder with `model_head.safetensors` (SetFit's layout); nil for embeddings only.
    public let classifier: (any TextClassifier)?
    public let embedder: SentenceEmbedder
    public let task: ModelTask

    /// - Parameters:
    ///   - maxLength: tokens per text (default: the folder's, see `TextEncoder`).
    ///   - pooling, normalize: override the folder's sentence-transformers settings (default:
    ///     from `modules.json`, else mean pooling and L2 normalization).
    ///   - withClassifier: nil loads the classification head when the folder has one; false
    ///     ignores it (embeddings only).
    public init(directory: URL, maxLength: Int? = nil, pooling: PoolingMode? = nil, normalize: Bool? = nil,
                withClassifier: Bool? = nil) throws {
        let head = withClassifier == false ? nil : try EmbeddingHead.read(directory: directory)
        let model = try BertModel.load(directory: directory, withClassifier: head == nil ? withClassifier : false)
        self.directory = directory
        self.model = model
        encoder = try TextEncoder(directory: directory, config: model.config, maxLength: maxLength)
        let st = try SentenceTransformersConfig.read(directory: directory)
        let embedder = SentenceEmbedder(model: model, pooling: pooling ?? st?.pooling ?? .mean, normalize: normalize ?? st?.normalize ?? true)
        self.embedder = embedder
        if let head {
            classifier = try EmbeddingClassifier(embedder: embedder, head: head)
        } else {
            classifier = model.layout.numLabels != nil && model.layout.hasPooler ? try SequenceClassifier(model: model) : nil
        }
        task = switch classifier?.problemType {
        case .singleLabel?: .singleLabel
        case .multiLabel?: .multiLabel
        case .regression?: .regression
        case nil: .embedding
        }
    }

    /// Label names in index order; empty for an embeddings-only folder.
    public var labels: [String] { classifier?.labels ?? [] }
    public var maxLength: Int { encoder.maxLength }
    public var pooling: PoolingMode { embedder.pooling }
    public var normalize: Bool { embedder.normalize }

    /// The classification head, or the error `sift predict`/`sift eval` report for a folder without one.
    public func requireClassifier() throws -> any TextClassifier {
        guard let classifier else {
            let tensor = model.layout.numLabels == nil ? "classifier.weight" : "pooler.dense.weight"
            throw InferenceError.missingHead(file: directory.appendingPathComponent("model.safetensors").path, tensor: tensor)
        }
        return classifier
    }
}
