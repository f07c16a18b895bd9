import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Names of in-progress files and folders: `.NAME.tmp-PID-RANDOM`. Hidden (a leading dot), in
/// the destination folder (so the final rename never crosses file systems), unique per writer,
/// and carrying the writer's process id so a later run can tell a killed save's leftovers from
/// a live one's.
public enum TemporaryName {
    static let marker = ".tmp-"

    /// A fresh temporary name for `name`.
    public static func make(for name: String) -> String {
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return ".\(name)\(marker)\(getpid())-\(random)"
    }

    /// The process id in a temporary name, or nil when `name` is not one.
    public static func owner(of name: String) -> Int32? {
        guard name.hasPrefix("."), let r = name.range(of: marker, options: .backwards) else { return nil }
        let parts = name[r.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let pid = Int32(parts[0]), pid > 0,
              !parts[1].isEmpty, UInt32(parts[1], radix: 16) != nil else { return nil }
        return pid
    }

    /// Whether process `pid` exists (kill with signal 0: EPERM still means it does).
    public static func isAlive(_ pid: Int32) -> Bool {
        if pid == getpid() { return true }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
