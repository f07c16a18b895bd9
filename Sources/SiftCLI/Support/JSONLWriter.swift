import Foundation
import SiftCore

/// Buffered JSON Lines output to stdout or a file; hand-written JSON so that writing millions of
/// numbers is not the bottleneck of a command. A file goes through SiftCore's `AtomicWriter`:
/// it appears whole at `finish()`, and a command that fails midway leaves the previous file (or
/// none), never part of one.
final class JSONLWriter {
    private var buffer: [UInt8] = []
    private let sink: Sink
    private let flushAt = 1 << 16
    private enum Sink { case standardOutput, file(AtomicWriter) }

    init(path: String?) throws {
        if let path, path != "-" {
            sink = .file(try AtomicWriter(url: URL(fileURLWithPath: path)))
        } else {
            sink = .standardOutput
        }
        buffer.reserveCapacity(flushAt * 2)
    }

    func raw(_ s: String) { buffer.append(contentsOf: s.utf8) }
    func raw(_ byte: UInt8) { buffer.append(byte) }

    func int<T: BinaryInteger>(_ v: T) { buffer.append(contentsOf: String(v).utf8) }

    func ints<T: BinaryInteger>(_ values: [T]) {
        raw(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { raw(UInt8(ascii: ",")) }
            int(v)
        }
        raw(UInt8(ascii: "]"))
    }

    func string(_ s: String) {
        raw(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                let hex = String(b, radix: 16)
                raw("\\u00" + (hex.count == 1 ? "0" + hex : hex))
            default: buffer.append(b)
            }
        }
        raw(UInt8(ascii: "\""))
    }

    func strings(_ values: [String]) {
        raw(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { raw(UInt8(ascii: ",")) }
            string(v)
        }
        raw(UInt8(ascii: "]"))
    }

    /// Ends a record: a newline, and a write once enough has accumulated.
    func endLine() throws {
        buffer.append(0x0A)
        if buffer.count >= flushAt { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        switch sink {
        case .standardOutput: try FileHandle.standardOutput.write(contentsOf: buffer)
        case .file(let writer): try writer.write(buffer)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// The last records out; a file is published (renamed into place) only now.
    func finish() throws {
        try flush()
        if case .file(let writer) = sink { try writer.commit() }
    }
}

/// An error whose message is shown as is.
struct ValidationErrorMessage: Error, LocalizedError {
    let message: String
    init(_ message: String) { self.message = message }
    var errorDescription: String? { message }
}
