import Foundation

/// Where a command's "standard input" comes from: the process's stdin, or, inside a test, a pipe
/// set with `StandardInput.$url.withValue(...)` (task-local, so parallel tests do not collide).
enum StandardInput {
    @TaskLocal static var url = URL(fileURLWithPath: "/dev/stdin")

    /// The file to read for a path argument: nil or "-" mean standard input.
    static func resolve(_ path: String?) -> URL {
        guard let path, path != "-" else { return url }
        return URL(fileURLWithPath: path)
    }

    /// True when `path` names standard input.
    static func isStandardInput(_ path: String?) -> Bool { path == nil || path == "-" }
}
