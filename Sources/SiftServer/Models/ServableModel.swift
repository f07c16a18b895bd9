import Foundation
import SiftInference

/// The public face of a model: what `GET /v1/models` lists and every response carries.
public struct ModelInfo: Sendable, Equatable {
    public var name: String
    public var version: String
    public var labels: [String]
    public var task: ModelTask
    public var maxLength: Int

    public init(name: String, version: String, labels: [String], task: ModelTask, maxLength: Int) {
        self.name = name
        self.version = version
        self.labels = labels
        self.task = task
        self.maxLength = maxLength
    }
}

/// The seam between HTTP and inference: a backend (encodings in, packed batches through) plus
/// what the API says about it. The real adapter wraps a model folder; tests inject a
/// deterministic in-memory model with its own tokenizer, so every route, the queue and the
/// fallback are testable without weights.
public protocol ServableModel: InferenceBackend {
    var info: ModelInfo { get }
    /// A token classifier's entity pipeline (windows with offsets, the pipeline's grouping),
    /// used on the request's task; nil for every other model (and for fakes).
    var entityRecognizer: EntityRecognizer? { get }
    /// How this model's answers can be explained: empty when they cannot (fakes, embedders,
    /// token classifiers); integrated gradients needs a fine-tuned head.
    var attributionMethods: [AttributionMethod] { get }
    /// Explains one text, on the model's serial queue (one explanation at a time, between
    /// forward passes).
    func explain(_ text: String, options: ExplainOptions) async throws -> Explanation
}

extension ServableModel {
    public var entityRecognizer: EntityRecognizer? { nil }
    public var attributionMethods: [AttributionMethod] { [] }
    public func explain(_ text: String, options: ExplainOptions) async throws -> Explanation {
        throw InferenceError.unsupportedTask("model '\(info.name)' cannot explain its answers")
    }
}

/// Builds a model from its configured spec; injected so tests (and the CLI) choose the backend.
public protocol ModelLoader: Sendable {
    func load(_ spec: ModelSpec) async throws -> any ServableModel
}

/// Errors a model adapter reports.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
