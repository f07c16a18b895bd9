import Foundation

/// What a served model does, in Hugging Face `problem_type` terms (plus embeddings-only models).
public enum ModelTask: String, Codable, Sendable {
    case singleLabel = "single_label_classification"
    case multiLabel = "multi_label_classification"
    case regression
    case embedding
}

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

/// One text's classifier output, indexed like `ModelInfo.labels`.
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

/// The seam between HTTP and inference. The real adapter wraps SiftEngine; tests inject a
/// deterministic in-memory model, so every route, the batcher and the fallback are testable
/// without weights.
public protocol ServableModel: Sendable {
    var info: ModelInfo { get }
    /// Tokens the text occupies (special tokens included, before truncation): the batcher's budget unit.
    func tokenCount(_ text: String) -> Int
    /// Classifies a batch; texts longer than `info.maxLength` tokens are truncated.
    func classify(_ texts: [String]) async throws -> [Classification]
    /// Sentence embeddings for a batch.
    func embed(_ texts: [String]) async throws -> [[Float]]
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
