import Foundation

/// Every failure the engine reports: each case names the file (and tensor or key) at fault,
/// so a user can tell which of their files to fix.
public enum EngineError: Error, LocalizedError, Equatable, Sendable {
    /// A file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// A safetensors file breaks the format; `tensor` is nil for header-level problems.
    case badSafetensors(file: String, tensor: String?, reason: String)
    /// config.json (or another JSON config) could not be decoded.
    case badConfig(file: String, reason: String)
    /// The model folder has no weights file we can read.
    case noWeights(directory: String)
    /// A weight the model needs is not in the checkpoint.
    case missingTensor(file: String, tensor: String)
    /// A weight is present but its shape differs from what config.json implies.
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    /// config.json names an architecture the engine does not implement.
    case unsupportedModel(file: String, modelType: String, supported: [String])
    /// An input the forward pass cannot take (token id out of range, sequence too long, ...).
    case badInput(String)
    /// A precision this CPU or build cannot run (oneDNN has no kernel for it).
    case unsupportedPrecision(String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .badSafetensors(file, tensor, reason):
            if let tensor { return "\(file): tensor '\(tensor)': \(reason)" }
            return "\(file): invalid safetensors: \(reason)"
        case let .badConfig(file, reason): return "\(file): invalid config: \(reason)"
        case let .noWeights(dir): return "\(dir): no weights found (expected model.safetensors)"
        case let .missingTensor(file, tensor): return "\(file): missing tensor '\(tensor)'"
        case let .shapeMismatch(file, tensor, expected, found):
            return "\(file): tensor '\(tensor)' has shape \(found), expected \(expected)"
        case let .unsupportedModel(file, type, supported):
            return "\(file): unsupported model_type '\(type)' (supported: \(supported.joined(separator: ", ")))"
        case let .badInput(msg): return msg
        case let .unsupportedPrecision(p, reason): return "precision \(p) is not available: \(reason)"
        }
    }
}
