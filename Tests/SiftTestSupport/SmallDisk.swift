import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A fresh folder under the system temporary directory.
public func scratchFolder(_ tag: String = "test") -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("sift-\(tag)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// A tmpfs of a few kilobytes mounted on a fresh folder: a disk that fills up on demand, for
/// disk-full tests. Nil when this process may not mount (not root, or no mount capability);
/// those tests then check nothing and say so.
public struct SmallDisk {
    public let root: URL

    public init?(kilobytes: Int) {
        guard getuid() == 0 else { print("SmallDisk: not root, disk-full test skipped"); return nil }
        let dir = scratchFolder("tmpfs")
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", dir.path]) else {
            try? FileManager.default.removeItem(at: dir)
            print("SmallDisk: cannot mount a tmpfs, disk-full test skipped")
            return nil
        }
        root = dir
    }

    public func unmount() {
        _ = Self.run("/bin/umount", [root.path])
        try? FileManager.default.removeItem(at: root)
    }

    static func run(_ tool: String, _ args: [String]) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}
