import Foundation

/// Errors of training: bad data or options found before training starts, or a bad checkpoint.
/// Messages name the file and line (or the option) so the user can fix the input.
public enum TrainError: Error, LocalizedError, Equatable {
    case badInput(String)
    case badCheckpoint(String)
    case badOption(String)

    public var errorDescription: String? {
        switch self {
        case .badInput(let s): return s
        case .badCheckpoint(let s): return "checkpoint: \(s)"
        case .badOption(let s): return s
        }
    }
}
