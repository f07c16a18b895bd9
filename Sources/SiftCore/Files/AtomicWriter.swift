import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way Sift writes a file: the bytes go to a uniquely named temporary file in the
/// destination folder, which is fsynced, renamed over the destination, and the folder fsynced.
/// A reader (or a crash at any instant) sees the old file or the new one, never part of one;
/// after a power loss, a `commit()` that returned is on disk.
///
/// Streaming: `write` buffers (1 MiB by default; larger pieces go straight through), `commit()`
/// publishes. A writer never committed (an error, an early return, `discard()`) removes its
/// temporary file. Killed processes leave theirs behind: `removeStaleTemporaries(in:)`.
public final class AtomicWriter {
    /// Where the file appears on `commit()`.
    public let url: URL
    /// The temporary file the bytes go to until then.
    public let temporaryURL: URL
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let bufferSize: Int
    private let fault: WriteFault?
    private enum Phase { case open, committed, abandoned }
    private var phase = Phase.open

    /// Creates the destination folder if needed and an empty temporary file in it.
    public convenience init(url: URL) throws(WriteError) {
        try self.init(url: url, bufferSize: 1 << 20, fault: nil)
    }

    package init(url: URL, bufferSize: Int = 1 << 20, fault: WriteFault?) throws(WriteError) {
        self.url = url
        self.bufferSize = max(1, bufferSize)
        self.fault = fault
        let dir = url.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw .cannotCreate(path: dir.path, reason: (error as NSError).localizedDescription)
        }
        if let fault, fault.step == .create { throw WriteError.system(.create, code: fault.code, path: url.path) }
        // O_EXCL: the name is ours alone, even if another writer picked the same random suffix.
        var attempt = 0
        while true {
            let tmp = dir.appendingPathComponent(TemporaryName.make(for: url.lastPathComponent))
            let d = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if d >= 0 { fd = d; temporaryURL = tmp; break }
            let code = errno
            attempt += 1
            if code == EEXIST && attempt < 8 { continue }
            if code == EINTR { continue }
            throw WriteError.system(.create, code: code, path: url.path)
        }
        buffer.reserveCapacity(min(self.bufferSize, 1 << 20))
    }

    deinit {
        if phase == .open { abandon() }
    }

    // MARK: writing

    public func write(_ bytes: UnsafeRawBufferPointer) throws(WriteError) {
        guard phase == .open else { throw .writeFailed(path: url.path, reason: "the writer was already committed or discarded") }
        if bytes.count >= bufferSize {
            try flush()
            try writeAll(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= bufferSize { try flush() }
    }

    public func write(_ data: Data) throws(WriteError) {
        var failure: WriteError?
        data.withUnsafeBytes { p in
            do throws(WriteError) { try write(p) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    public func write(_ bytes: [UInt8]) throws(WriteError) {
        var failure: WriteError?
        bytes.withUnsafeBytes { p in
            do throws(WriteError) { try write(p) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    public func write(_ string: String) throws(WriteError) {
        var s = string
        var failure: WriteError?
        s.withUTF8 { p in
            do throws(WriteError) { try write(UnsafeRawBufferPointer(p)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Flushes and fsyncs the temporary file without publishing it: after this, `commit()` can
    /// only fail at the rename (or the folder's fsync). For callers that must know the bytes are
    /// on disk before they change anything else (`BertModel.save` removes a stale config.json).
    /// On an error the temporary file is removed.
    public func sync() throws(WriteError) {
        guard phase == .open else { throw .writeFailed(path: url.path, reason: "the writer was already committed or discarded") }
        do throws(WriteError) {
            try flush()
            if let fault, fault.step == .sync { throw WriteError.system(.sync, code: fault.code, path: url.path) }
            if fsync(fd) != 0 { throw WriteError.system(.sync, code: errno, path: url.path) }
        } catch {
            abandon()
            throw error
        }
    }

    /// Flushes, fsyncs and renames the temporary file over `url`, then fsyncs the folder. On an
    /// error before the rename the temporary file is removed and `url` is untouched; an error
    /// from the folder's fsync comes after the new file is in place.
    public func commit() throws(WriteError) {
        guard phase == .open else { throw .writeFailed(path: url.path, reason: "the writer was already committed or discarded") }
        do throws(WriteError) {
            try flush()
            if let fault, fault.step == .sync { throw WriteError.system(.sync, code: fault.code, path: url.path) }
            if fsync(fd) != 0 { throw WriteError.system(.sync, code: errno, path: url.path) }
            let closed = close(fd)
            fd = -1
            // close can report a delayed write error (NFS, some quota setups).
            if closed != 0 && errno != EINTR { throw WriteError.system(.write, code: errno, path: url.path) }
            if let fault, fault.step == .rename { throw WriteError.system(.rename, code: fault.code, path: url.path) }
            if rename(temporaryURL.path, url.path) != 0 { throw WriteError.system(.rename, code: errno, path: url.path) }
        } catch {
            abandon()
            throw error
        }
        phase = .committed
        if let fault, fault.step == .syncDirectory {
            throw WriteError.system(.syncDirectory, code: fault.code, path: url.deletingLastPathComponent().path)
        }
        try Self.syncDirectory(url.deletingLastPathComponent())
    }

    /// Drops what was written: the temporary file is removed, `url` is untouched.
    public func discard() {
        if phase == .open { abandon() }
    }

    private func abandon() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporaryURL.path)
        phase = .abandoned
    }

    private func flush() throws(WriteError) {
        guard !buffer.isEmpty else { return }
        var failure: WriteError?
        buffer.withUnsafeBytes { p in
            do throws(WriteError) { try writeAll(p) } catch { failure = error }
        }
        if let failure { throw failure }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(WriteError) {
        guard let base = bytes.baseAddress else { return }
        if let fault, fault.step == .write { throw WriteError.system(.write, code: fault.code, path: url.path) }
        var done = 0
        while done < bytes.count {
            let n = Glibc_write(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw WriteError.system(.write, code: errno, path: url.path)
            }
            done += n
        }
    }

    // MARK: one-shot and folder helpers

    /// Writes `data` to `url` atomically (temporary file, fsync, rename, fsync of the folder).
    public static func write(_ data: Data, to url: URL) throws(WriteError) {
        let w = try AtomicWriter(url: url)
        try w.write(data)
        try w.commit()
    }

    package static func write(_ data: Data, to url: URL, fault: WriteFault?) throws(WriteError) {
        let w = try AtomicWriter(url: url, fault: fault)
        try w.write(data)
        try w.commit()
    }

    /// fsync of a folder, so a rename or removal in it survives a power loss.
    public static func syncDirectory(_ dir: URL) throws(WriteError) {
        let d = open(dir.path, O_RDONLY | O_CLOEXEC)
        guard d >= 0 else { throw WriteError.system(.syncDirectory, code: errno, path: dir.path) }
        defer { close(d) }
        // Some file systems cannot fsync a folder (EINVAL); the rename itself is still atomic.
        if fsync(d) != 0 && errno != EINVAL { throw WriteError.system(.syncDirectory, code: errno, path: dir.path) }
    }

    /// Removes a file (if present) durably: unlink, then fsync of its folder.
    public static func remove(_ url: URL) throws(WriteError) {
        if unlink(url.path) != 0 {
            if errno == ENOENT { return }
            throw WriteError.system(.remove, code: errno, path: url.path)
        }
        try syncDirectory(url.deletingLastPathComponent())
    }

    /// Renames `from` to `to` (a file or a folder) and fsyncs the folder of `to`.
    public static func move(_ from: URL, to: URL) throws(WriteError) {
        if rename(from.path, to.path) != 0 { throw WriteError.system(.rename, code: errno, path: to.path) }
        try syncDirectory(to.deletingLastPathComponent())
    }

    /// Removes the temporary files and folders in `dir` (see `TemporaryName`) whose writer
    /// process is gone: what killed saves left. Those of live processes, this one included,
    /// are kept. Returns what was removed.
    @discardableResult
    public static func removeStaleTemporaries(in dir: URL) -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        var removed: [URL] = []
        for name in names.sorted() {
            guard let owner = TemporaryName.owner(of: name), !TemporaryName.isAlive(owner) else { continue }
            let u = dir.appendingPathComponent(name)
            if (try? FileManager.default.removeItem(at: u)) != nil { removed.append(u) }
        }
        return removed
    }
}

/// `write(2)`, named apart from `AtomicWriter.write`.
@inline(__always)
private func Glibc_write(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Darwin)
    return Darwin.write(fd, p, n)
    #elseif canImport(Musl)
    return Musl.write(fd, p, n)
    #else
    return Glibc.write(fd, p, n)
    #endif
}
