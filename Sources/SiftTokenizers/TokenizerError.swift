import Foundation

public enum TokenizerError: Error, LocalizedError, Equatable {
    case fileNotFound(String)
    case malformedFile(file: String, reason: String)
    case unsupportedComponent(file: String, component: String, type: String)
    case invalidConfiguration(String)
    case invalidOptions(String)

    public var errorDescription: String? {
        switch self {
        case .fileNotFound(let what): return "tokenizer: \(what)"
        case .malformedFile(let file, let reason): return "\(file): \(reason)"
        case .unsupportedComponent(let file, let component, let type):
            return "\(file): unsupported \(component) \"\(type)\"; see docs/tokenizer.md for the components Sift implements"
        case .invalidConfiguration(let reason): return "tokenizer: \(reason)"
        case .invalidOptions(let reason): return "tokenizer options: \(reason)"
        }
    }
}
