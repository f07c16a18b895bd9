import Foundation

/// What loading a model folder for inference, or running it, can refuse. Each case names the
/// file (and key or tensor) at fault.
public enum InferenceError: Error, LocalizedError, Equatable, Sendable {
    /// A sentence-transformers or tokenizer config file could not be decoded or asks for
    /// something Sift does not do.
    case badConfig(file: String, reason: String)
    /// The folder has no classification head (`classifier.*` or `pooler.*` weights) but one is needed.
    case missingHead(file: String, tensor: String)
    /// An option or input outside what the model takes.
    case badInput(String)
    /// The model cannot do what was asked (zero-shot NLI on a classifier without an entailment label).
    case unsupportedTask(String)

    public var errorDescription: String? {
        switch self {
        case let .badConfig(file, reason): return "\(file): invalid config: \(reason)"
        case let .missingHead(file, tensor): return "\(file): missing tensor '\(tensor)' (needs a classifier folder: pooler.dense.* and classifier.* weights)"
        case let .badInput(msg): return msg
        case let .unsupportedTask(msg): return msg
        }
    }
}
