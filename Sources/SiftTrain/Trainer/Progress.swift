import Foundation

/// One-line progress bar on stderr (loss, examples/s, ETA), drawn only when stderr is a terminal
/// so logs and pipes stay clean.
final class ProgressBar: @unchecked Sendable {
    let enabled: Bool
    let total: Int
    let start = Date()
    private var lastDraw = Date.distantPast

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled && isatty(STDERR_FILENO) != 0
    }

    func update(step: Int, epoch: Int, epochs: Int, loss: Double, examples: Int) {
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.2 || step == total else { return }
        lastDraw = Date()
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(examples) / elapsed : 0
        let eta = step > 0 ? elapsed / Double(step) * Double(total - step) : 0
        let width = 24
        let filled = total > 0 ? width * step / total : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "\repoch %d/%d [%@] %d/%d loss %.4f %.1f ex/s ETA %@ ",
                          epoch, epochs, bar, step, total, loss, rate, Self.duration(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() { if enabled { FileHandle.standardError.write(Data("\n".utf8)) } }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}

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
