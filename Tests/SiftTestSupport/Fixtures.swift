import Foundation

/// Where tests find committed fixtures and the models that set-up installs.
public enum TestPaths {
    /// The repository root, found from this file's location.
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<relative>`.
    public static func fixture(_ relative: String) -> URL {
        repoRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative)
    }

    /// all-MiniLM-L6-v2 as installed by `scripts/setup.sh` (override with SIFT_MINILM_DIR).
    public static var miniLM: URL {
        if let dir = ProcessInfo.processInfo.environment["SIFT_MINILM_DIR"] { return URL(fileURLWithPath: dir) }
        return repoRoot.appendingPathComponent(".models/all-MiniLM-L6-v2")
    }

    /// Real labeled data as installed by `scripts/setup.sh`.
    public static var dataDir: URL { repoRoot.appendingPathComponent(".data") }
}
