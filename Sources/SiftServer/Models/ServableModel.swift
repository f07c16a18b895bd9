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
