import Crypto
import Foundation
import Yams

/// API keys, held only as SHA-256 digests. A presented key is hashed and compared against every
/// stored digest in constant time (no early exit), so neither timing nor a leaked key file gives
/// a key away.
public struct APIKeyStore: Sendable {
    public struct Record: Sendable, Equatable {
        public var id: String
        public var digest: [UInt8]
        public var models: Set<String>?

        public init(id: String, digest: [UInt8], models: Set<String>?) {
            self.id = id
            self.digest = digest
            self.models = models
        }
    }

    public private(set) var records: [Record]

    public init(records: [Record] = []) { self.records = records }

    public var isEmpty: Bool { records.isEmpty }

    public static func digest(_ key: String) -> [UInt8] { Array(SHA256.hash(data: Array(key.utf8))) }

    public static func hexDigest(_ key: String) -> String {
        digest(key).map { String(format: "%02x", $0) }.joined()
    }

    /// The record whose digest equals the presented key's, looked for in constant time.
    public func authenticate(_ presented: String) -> Record? {
        let d = Self.digest(presented)
        var found: Int = -1
        for (i, r) in records.enumerated() {
            // Fold every byte difference; select without branching on secret data.
            var diff: UInt8 = 0
            for j in 0..<32 { diff |= d[j] ^ (j < r.digest.count ? r.digest[j] : 0) }
            let match = diff == 0 && r.digest.count == 32
            found = match ? i : found
        }
        return found >= 0 ? records[found] : nil
    }

    // MARK: Loading

    private struct FileFormat: Decodable {
        struct Entry: Decodable {
            var id: String
            var sha256: String
            var models: [String]?
        }
        var keys: [Entry]
    }

    /// Reads a YAML file `keys: [{id, sha256, models}]`; errors name the file and the entry.
    public static func load(file path: String) throws -> APIKeyStore {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError("\(path): cannot read API keys file")
        }
        let parsed: FileFormat
        do { parsed = try YAMLDecoder().decode(FileFormat.self, from: text) } catch {
            throw ConfigError("\(path): expected 'keys:' entries with 'id' and 'sha256' (\(error))")
        }
        var records: [Record] = []
        for (i, e) in parsed.keys.enumerated() {
            guard let digest = hexBytes(e.sha256), digest.count == 32 else {
                throw ConfigError("\(path): keys[\(i)] (\(e.id)): sha256 must be 64 hex digits")
            }
            if e.id.isEmpty { throw ConfigError("\(path): keys[\(i)]: empty id") }
            records.append(Record(id: e.id, digest: digest, models: e.models.map(Set.init)))
        }
        return APIKeyStore(records: records)
    }

    /// Parses `id:key[:model,model];...` (plain keys, as an environment variable holds them) and
    /// keeps only their digests.
    public static func parse(environmentValue value: String, source: String) throws -> APIKeyStore {
        var records: [Record] = []
        for (i, entry) in value.split(separator: ";").enumerated() {
            let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ConfigError("\(source): entry \(i + 1): expected id:key[:model,model]")
            }
            let models = parts.count == 3 ? Set(parts[2].split(separator: ",").map(String.init)) : nil
            records.append(Record(id: parts[0], digest: digest(parts[1]), models: models))
        }
        return APIKeyStore(records: records)
    }

    public mutating func merge(_ other: APIKeyStore) { records += other.records }

    static func hexBytes(_ hex: String) -> [UInt8]? {
        let chars = Array(hex.lowercased().utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
