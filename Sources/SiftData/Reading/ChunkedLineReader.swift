import Foundation

/// Reads a file in fixed-size chunks and hands out one line of raw bytes at a time, so memory
/// stays at one chunk plus the longest line however big the file is. Splitting on the byte
/// 0x0A is safe for every encoding Sift reads: in UTF-8, Latin-1 and GB18030 that byte only
/// ever means a line feed.
final class ChunkedLineReader {
    let path: String
    private let handle: FileHandle
    private let chunkSize: Int
    private let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private(set) var lineNumber = 0
    /// True once the leading byte-order mark (if any) has been looked at.
    private var checkedBOM = false
    private(set) var hadBOM = false

    init(url: URL, chunkSize: Int = 1 << 20, maxLineBytes: Int) throws {
        path = url.path == "-" || url.path == "/dev/stdin" ? "<stdin>" : url.path
        if url.path == "-" {
            handle = FileHandle.standardInput
        } else {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
                throw DataError.cannotOpen(file: url.path, reason: "it is a directory")
            }
            do { handle = try FileHandle(forReadingFrom: url) } catch {
                throw DataError.cannotOpen(file: url.path, reason: FileManager.default.fileExists(atPath: url.path) ? "permission denied or unreadable" : "no such file")
            }
        }
        self.chunkSize = chunkSize
        self.maxLineBytes = maxLineBytes
    }

    deinit { try? handle.close() }

    private func fill() throws -> Bool {
        if eof { return false }
        let data: Data?
        do { data = try handle.read(upToCount: chunkSize) } catch {
            throw DataError.cannotOpen(file: path, reason: "read failed: \(error.localizedDescription)")
        }
        guard let data, !data.isEmpty else { eof = true; return false }
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: data)
        return true
    }

    /// Peeks the first bytes for a byte-order mark; strips a UTF-8 one, rejects UTF-16/32.
    private func checkBOM() throws {
        checkedBOM = true
        while buffer.count - start < 4, try fill() {}
        let b = buffer[start...]
        if b.starts(with: [0xEF, 0xBB, 0xBF]) {
            hadBOM = true
            start += 3
        } else if b.starts(with: [0xFF, 0xFE]) || b.starts(with: [0xFE, 0xFF]) {
            throw DataError.unsupportedEncoding(file: path, name: "UTF-16 (byte-order mark found); convert with `iconv -f UTF-16 -t UTF-8`")
        }
    }

    /// Calls `body` with the bytes of the next line (without "\n" or "\r\n") and whether it
    /// ended in "\r\n"; returns false at end of file.
    func nextLine<R>(_ body: (UnsafeBufferPointer<UInt8>, _ crlf: Bool, _ lineNumber: Int) throws -> R) throws -> R? {
        if !checkedBOM { try checkBOM() }
        var searchFrom = start
        while true {
            let found: Int? = buffer.withUnsafeBufferPointer { buf -> Int? in
                guard searchFrom < buf.count else { return nil }
                let base = buf.baseAddress! + searchFrom
                guard let p = memchr(base, 0x0A, buf.count - searchFrom) else { return nil }
                return UnsafeRawPointer(p) - UnsafeRawPointer(buf.baseAddress!)
            }
            if let nl = found {
                lineNumber += 1
                let lineStart = start
                start = nl + 1
                var end = nl
                var crlf = false
                if end > lineStart, buffer[end - 1] == 0x0D { end -= 1; crlf = true }
                return try emit(lineStart, end, crlf, body)
            }
            if buffer.count - start > maxLineBytes {
                throw DataError.recordTooLarge(SourceLocation(file: path, line: lineNumber + 1), limit: maxLineBytes)
            }
            let scanned = buffer.count - start   // bytes after `start` known to hold no line feed
            if try !fill() {
                guard start < buffer.count else { return nil }
                lineNumber += 1
                let lineStart = start
                var end = buffer.count
                start = buffer.count
                var crlf = false
                if buffer[end - 1] == 0x0D { end -= 1; crlf = true }
                return try emit(lineStart, end, crlf, body)
            }
            searchFrom = start + scanned   // fill() may have moved `start` to 0
        }
    }

    private func emit<R>(_ from: Int, _ to: Int, _ crlf: Bool, _ body: (UnsafeBufferPointer<UInt8>, Bool, Int) throws -> R) throws -> R {
        try buffer.withUnsafeBufferPointer { buf in
            let line = UnsafeBufferPointer(rebasing: buf[from..<to])
            if let base = line.baseAddress, line.count > 0, memchr(base, 0, line.count) != nil {
                let col = line.firstIndex(of: 0).map { $0 + 1 }
                throw DataError.binaryFile(SourceLocation(file: path, line: lineNumber, column: col))
            }
            return try body(line, crlf, lineNumber)
        }
    }
}
