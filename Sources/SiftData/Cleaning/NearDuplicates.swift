/// Near-duplicate detection by MinHash over character shingles with LSH banding.
///
/// Each text becomes the set of its character 5-grams (lower-cased, whitespace collapsed);
/// 128 min-hashes summarize the set in 1 KiB, and two texts whose min-hashes agree in all 4
/// rows of any of 32 bands become candidates. A candidate pair is kept when the share of
/// agreeing min-hashes (an unbiased estimate of the Jaccard similarity) reaches the threshold.
/// Character shingles work for languages without spaces (Chinese) as well as for English.
public struct NearDuplicateDetector: Sendable {
    public let threshold: Double
    public let shingleSize: Int
    static let hashes = 128, bands = 32
    static var rows: Int { hashes / bands }
    private let seeds: [UInt64]

    public init(threshold: Double = 0.9, shingleSize: Int = 5) {
        self.threshold = threshold
        self.shingleSize = shingleSize
        var rng = SeededGenerator(seed: 0x5EED_0F_D0C5)
        seeds = (0..<Self.hashes).map { _ in rng.next() | 1 }
    }

    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The MinHash signature of a text.
    public func signature(_ text: String) -> [UInt64] {
        let chars = Array(TextNormalization.collapseWhitespace(text).lowercased().unicodeScalars)
        var shingles = Set<UInt64>()
        if chars.count <= shingleSize {
            shingles.insert(TextNormalization.fnv1a(String(String.UnicodeScalarView(chars))))
        } else {
            for i in 0...(chars.count - shingleSize) {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for u in chars[i..<(i + shingleSize)] { h = (h ^ UInt64(u.value)) &* 0x100_0000_01b3 }
                shingles.insert(h)
            }
        }
        var sig = [UInt64](repeating: .max, count: Self.hashes)
        for s in shingles {
            for k in 0..<Self.hashes {
                let v = Self.mix(s ^ seeds[k])
                if v < sig[k] { sig[k] = v }
            }
        }
        return sig
    }

    public static func estimatedJaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
        var same = 0
        for k in 0..<a.count where a[k] == b[k] { same += 1 }
        return Double(same) / Double(a.count)
    }

    /// For each text, the index of the earlier text it nearly duplicates (nil if none).
    /// Clusters are transitive: every member points at the cluster's first text.
    public func duplicatesOfEarlier(_ texts: [String]) -> [Int?] {
        let sigs = texts.map(signature)
        var buckets: [UInt64: [Int]] = [:]
        var parent = Array(texts.indices)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        for i in texts.indices {
            var checked = Set<Int>()
            for b in 0..<Self.bands {
                var h: UInt64 = UInt64(b) &* 0x9E37_79B9_7F4A_7C15
                for r in 0..<Self.rows { h = Self.mix(h ^ sigs[i][b * Self.rows + r]) }
                for j in buckets[h, default: []] where !checked.contains(j) {
                    checked.insert(j)
                    if Self.estimatedJaccard(sigs[i], sigs[j]) >= threshold {
                        let (ri, rj) = (find(i), find(j))
                        if ri != rj { parent[max(ri, rj)] = min(ri, rj) }
                    }
                }
                buckets[h, default: []].append(i)
            }
        }
        return texts.indices.map { i in
            let r = find(i)
            return r == i ? nil : r
        }
    }
}
