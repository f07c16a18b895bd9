import Foundation

/// Writes a file under a temporary name in the same folder and renames it into place on
/// `commit()`, so a crash or an error halfway never leaves a half-written file where a good
/// one was. Buffered: bytes go to disk in 1 MiB blocks.
public final class AtomicFileWriter {
    public let url: URL
    private let tempURL: URL
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var done = false

    public init(url: URL) throws {
        self.url = url
        let dir = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        tempURL = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        guard FileManager.default.createFile(atPath: tempURL.path, contents: nil),
              let h = try? FileHandle(forWritingTo: tempURL) else {
            throw DataError.cannotOpen(file: url.path, reason: "cannot create a file in \(dir.path)")
        }
        handle = h
        buffer.reserveCapacity(1 << 20)
    }

    public func write(_ s: String) throws {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch {
            throw DataError.cannotOpen(file: url.path, reason: "write failed: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames the temporary file over `url`.
    public func commit() throws {
        try flush()
        try? handle.synchronize()
        try? handle.close()
        done = true
        if rename(tempURL.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: tempURL)
            throw DataError.cannotOpen(file: url.path, reason: "cannot move the finished file into place")
        }
    }

    /// Removes the temporary file if `commit()` was never reached.
    deinit {
        if !done {
            try? handle.close()
            try? FileManager.default.removeItem(at: tempURL)
        }
    }
}
