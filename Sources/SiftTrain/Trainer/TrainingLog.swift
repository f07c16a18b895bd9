import Foundation

/// Append-only JSONL log: one object per training step and per evaluation.
final class TrainingLog: @unchecked Sendable {
    private let handle: FileHandle?
    init(url: URL?, append: Bool) throws {
        guard let url else { handle = nil; return }
        if !append || !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw TrainError.badOption("cannot create the log file \(url.path)")
            }
        }
        handle = try FileHandle(forWritingTo: url)
        handle?.seekToEndOfFile()
    }
    func write(_ object: [String: Any]) {
        guard let handle, let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        handle.write(data + Data("\n".utf8))
    }
    deinit { try? handle?.close() }
}
