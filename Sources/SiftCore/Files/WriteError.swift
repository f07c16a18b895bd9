import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be written. Every case names the file (or folder) it is about; a full
/// disk is its own case, whichever step ran into it, because the remedy differs (free space,
/// not fix permissions). When a write fails before its rename, the destination is untouched
/// and the temporary file is gone.
public enum WriteError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    /// The destination folder or the temporary file could not be created.
    case cannotCreate(path: String, reason: String)
    /// ENOSPC or EDQUOT at any step.
    case diskFull(path: String)
    case writeFailed(path: String, reason: String)
    /// fsync of the file, or of its folder after the rename.
    case syncFailed(path: String, reason: String)
    case renameFailed(path: String, reason: String)
    case removeFailed(path: String, reason: String)

    /// The file or folder the error is about.
    public var path: String {
        switch self {
        case .cannotCreate(let p, _), .diskFull(let p), .writeFailed(let p, _), .syncFailed(let p, _),
             .renameFailed(let p, _), .removeFailed(let p, _):
            return p
        }
    }

    public var isDiskFull: Bool { if case .diskFull = self { return true } else { return false } }

    public var errorDescription: String? {
        switch self {
        case .cannotCreate(let p, let r): return "\(p): cannot create: \(r)"
        case .diskFull(let p): return "\(p): cannot write: disk full (no space left on device)"
        case .writeFailed(let p, let r): return "\(p): write failed: \(r)"
        case .syncFailed(let p, let r): return "\(p): cannot flush to disk (fsync): \(r)"
        case .renameFailed(let p, let r): return "\(p): cannot move the finished file into place: \(r)"
        case .removeFailed(let p, let r): return "\(p): cannot remove: \(r)"
        }
    }

    public var description: String { errorDescription ?? "write error" }

    /// The error for a failed system call at `step`; ENOSPC and EDQUOT become `.diskFull`.
    static func system(_ step: WriteStep, code: Int32, path: String) -> WriteError {
        if code == ENOSPC || code == EDQUOT { return .diskFull(path: path) }
        let reason = String(cString: strerror(code))
        switch step {
        case .create: return .cannotCreate(path: path, reason: reason)
        case .write: return .writeFailed(path: path, reason: reason)
        case .sync, .syncDirectory: return .syncFailed(path: path, reason: reason)
        case .rename: return .renameFailed(path: path, reason: reason)
        case .remove: return .removeFailed(path: path, reason: reason)
        }
    }
}

/// The steps of an atomic write, in order; each can fail on its own.
public enum WriteStep: String, Sendable, CaseIterable {
    case create, write, sync, rename, syncDirectory, remove
}

/// Makes one step of a write fail as the system would, with `code` as its errno. Tests only:
/// disk-full, I/O and permission failures are otherwise hard to produce on demand.
package struct WriteFault: Sendable, Equatable {
    package var step: WriteStep
    package var code: Int32
    package init(step: WriteStep, code: Int32) { self.step = step; self.code = code }
}
