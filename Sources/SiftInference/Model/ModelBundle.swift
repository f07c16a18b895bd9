import Foundation
import SiftEngine

/// What a model folder is for, in Hugging Face `problem_type` terms (plus embeddings-only folders).
public enum ModelTask: String, Codable, Sendable, CaseIterable {
    case singleLabel = "single_label_classification"
    case multiLabel = "multi_label_classification"
    case regression
    case embedding
    /// A label per token (`BertForTokenClassification`): entities, not text classes.
    case tokenClassification = "token_classification"
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
    /// `BertForTokenClassification`'s head, for a token-classification folder.
    public let tokenClassifier: TokenClassifier?
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
        // A classifier without a pooler (or a config that says so) labels tokens, not texts.
        let labelsTokens = model.layout.numLabels != nil && (model.config.isTokenClassification || !model.head.isSequence)
        tokenClassifier = labelsTokens ? try TokenClassifier(model: model, directory: directory) : nil
        if let head {
            classifier = try EmbeddingClassifier(embedder: embedder, head: head)
        } else {
            classifier = model.head.isSequence && !labelsTokens ? try SequenceClassifier(model: model) : nil
        }
        if labelsTokens { task = .tokenClassification; return }
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
        if tokenClassifier != nil {
            throw InferenceError.unsupportedTask("\(directory.path) is a token classifier (BertForTokenClassification: classifier.* on every token, no pooler); use `sift ner` or the entities route")
        }
        guard let classifier else {
            let tensor = model.naming.name(of: model.layout.numLabels == nil ? .classifier(.weight) : model.config.family.sequenceHead.denseTensor)
            throw InferenceError.missingHead(file: directory.appendingPathComponent("model.safetensors").path, tensor: tensor)
        }
        return classifier
    }

    /// The entity pipeline, or the error `sift ner` reports for a folder that is not a token classifier.
    public func requireEntityRecognizer() throws -> EntityRecognizer {
        guard let tokenClassifier else {
            let found = classifier is SequenceClassifier ? "a sequence classifier (pooler.dense.* and classifier.* per text); use `sift predict`"
                : classifier != nil ? "an embedding classifier (model_head.safetensors); use `sift predict`"
                : "no classification head (an embedding model)"
            throw InferenceError.unsupportedTask("\(directory.path) is not a token classifier: it has \(found)")
        }
        return EntityRecognizer(classifier: tokenClassifier, encoder: encoder)
    }
}
