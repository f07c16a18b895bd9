import Foundation
import Logging

/// Messages for the person at the terminal, on stderr (stdout carries only results): the text
/// as is, prefixed by the level from warning up, metadata as key=value. `sift serve` logs through
/// its own JSON handler instead.
struct CLILogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let write: @Sendable (String) -> Void

    init(level: Logger.Level = .info, write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        logLevel = level
        self.write = write
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = event.level >= .warning ? "\(event.level.rawValue): \(event.message)" : "\(event.message)"
        let all = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        if !all.isEmpty { line += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
        write(line + "\n")
    }
}

enum CLILog {
    /// A logger for `label` that writes through `CLILogHandler` (not the process-wide bootstrap,
    /// which tests and `sift serve` may set differently). `SIFT_LOG_LEVEL` (e.g. debug, warning)
    /// changes the level.
    static func logger(_ label: String) -> Logger {
        let level = ProcessInfo.processInfo.environment["SIFT_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return Logger(label: label) { _ in CLILogHandler(level: level) }
    }
}
