/// SentencePiece's precompiled normalization rules (`Precompiled` in tokenizer.json; XLM-R,
/// multilingual-e5, T5, ALBERT ship them): a Darts-clone double-array trie from UTF-8 keys to
/// offsets in a blob of NUL-terminated replacement strings.
///
/// Applied as Hugging Face's `normalizers::Precompiled` does, quirks included (its source says
/// they are what reproduces SentencePiece on XNLI): text is cut into extended grapheme clusters;
/// a cluster under 6 UTF-8 bytes is looked up whole, else (or when that finds nothing) each code
/// point is looked up alone; a lookup takes the shortest key that prefixes the bytes; alignments
/// follow its `replace` + `NormalizedString::transform`, so offsets into the original text match.
///
/// Layout of the map: a little-endian `u32` byte size of the trie, the trie as little-endian `u32`
/// units, then the replacement blob.
public struct PrecompiledCharsMap: Sendable, Equatable {
    private let units: [UInt32]
    private let blob: [UInt8]
    /// The lookup of each ASCII code point alone (index = code point), the common case, precomputed.
    private let ascii: [[UInt32]?]

    public init(_ bytes: [UInt8]) throws(TokenizerError) {
        guard bytes.count >= 4 else { throw .invalidConfiguration("precompiled_charsmap has \(bytes.count) bytes, fewer than its 4-byte header") }
        let trieBytes = Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
        guard trieBytes >= 4, trieBytes <= bytes.count - 4 else {
            throw .invalidConfiguration("precompiled_charsmap declares a \(trieBytes)-byte trie in \(bytes.count - 4) bytes")
        }
        var units = [UInt32](repeating: 0, count: trieBytes / 4)
        for k in units.indices {
            let b = 4 + 4 * k
            units[k] = UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16 | UInt32(bytes[b + 3]) << 24
        }
        // Hugging Face reads whole units only: a trailing partial unit is ignored, and the blob starts after it.
        let blob = Array(bytes[(4 + trieBytes / 4 * 4)...])
        guard String(validating: blob, as: UTF8.self) != nil else {
            throw .invalidConfiguration("precompiled_charsmap's replacement strings are not valid UTF-8")
        }
        self.units = units
        self.blob = blob
        var ascii: [[UInt32]?] = []
        for c in 0..<128 { ascii.append(Self.lookup(units, blob, [UInt8(c)])) }
        self.ascii = ascii
    }

    /// The replacement for `key` (UTF-8 bytes): the value of its shortest prefix that is a key of
    /// the trie (Darts `commonPrefixSearch`, first result), read up to the NUL that ends it. A NUL
    /// in `key` ends the search, as in Hugging Face. Every index is checked, so a corrupt map only
    /// finds nothing.
    private static func lookup<C: Collection<UInt8>>(_ units: [UInt32], _ blob: [UInt8], _ key: C) -> [UInt32]? {
        @inline(__always) func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
        guard let root = units.first else { return nil }
        var node = offset(root)
        for c in key {
            if c == 0 { break }
            node ^= Int(c)
            guard node < units.count else { return nil }
            let unit = units[node]
            guard unit & ((1 << 31) | 0xFF) == UInt32(c) else { return nil }
            node ^= offset(unit)
            guard node < units.count else { return nil }
            if (unit >> 8) & 1 == 1 {
                let start = Int(units[node] & 0x7FFF_FFFF)
                guard start <= blob.count else { return nil }
                var end = start
                while end < blob.count && blob[end] != 0 { end += 1 }
                // Hugging Face slices a Rust string here: a start inside a character would panic there.
                guard let s = String(validating: blob[start..<end], as: UTF8.self) else { return nil }
                return s.unicodeScalars.map(\.value)
            }
        }
        return nil
    }

    private func lookup(_ scalars: UnsafeBufferPointer<UInt32>, _ range: Range<Int>, utf8 key: inout [UInt8]) -> [UInt32]? {
        if range.count == 1, scalars[range.lowerBound] < 0x80 { return ascii[Int(scalars[range.lowerBound])] }
        key.removeAll(keepingCapacity: true)
        for i in range { Self.appendUTF8(scalars[i], to: &key) }
        return Self.lookup(units, blob, key)
    }

    func normalize(_ input: UnsafeBufferPointer<UInt32>, range: Range<Int>,
                   into out: inout [UInt32], origin: inout [Int32], scratch: inout NormalizerScratch) {
        // Pass one: Hugging Face's list of (code point, change): 0 replaces the next input code point,
        // 1 is inserted, -n replaces the next one and removes n more.
        var changes = scratch.precompiledChanges
        changes.removeAll(keepingCapacity: true)
        var key = scratch.precompiledKey
        var modified = false
        func replace(oldCount: Int, with new: [UInt32]) {
            modified = true
            for c in new { changes.append((c, 0)) }
            let diff = new.count - oldCount
            if diff > 0 {
                for k in (changes.count - diff)..<changes.count { changes[k].change = 1 }
            } else if diff < 0, !changes.isEmpty {
                // The last change so far takes the removal, even one of an earlier cluster (Hugging Face's rule).
                changes[changes.count - 1].change += diff
            }
        }
        Self.forEachGrapheme(input, range, scratch: &scratch.graphemeText) { g in
            var bytes = 0
            for i in g { bytes += Self.utf8Count(input[i]) }
            if bytes < 6, let new = lookup(input, g, utf8: &key) {
                replace(oldCount: g.count, with: new)
                return
            }
            for i in g {
                if g.count > 1 || bytes >= 6, let new = lookup(input, i..<(i + 1), utf8: &key) {
                    replace(oldCount: 1, with: new)
                } else {
                    changes.append((input[i], 0))
                }
            }
        }
        if modified {
            // Pass two: `NormalizedString::transform` over the segment, a cursor over input code points.
            var cursor = range.lowerBound
            for (c, change) in changes {
                out.append(c)
                if change > 0 {
                    // An inserted code point shares the alignment of the one before it.
                    origin.append(Int32(Swift.max(range.lowerBound, cursor - 1)))
                } else {
                    origin.append(Int32(Swift.min(cursor, range.upperBound - 1)))
                    cursor += 1 - change
                }
            }
        } else {
            Normalizer.copy(input, range, &out, &origin)
        }
        scratch.precompiledChanges = changes
        scratch.precompiledKey = key
    }

    /// Calls `body` with each extended grapheme cluster of `input[range]` as a range of indices. Two
    /// adjacent ASCII code points other than CR LF always have a cluster boundary between them, so
    /// only the stretches between such boundaries go through Swift's `Character` segmentation.
    private static func forEachGrapheme(_ input: UnsafeBufferPointer<UInt32>, _ range: Range<Int>,
                                        scratch: inout String.UnicodeScalarView, _ body: (Range<Int>) -> Void) {
        @inline(__always) func boundary(_ k: Int) -> Bool {
            input[k - 1] < 0x80 && input[k] < 0x80 && !(input[k - 1] == 0x0D && input[k] == 0x0A)
        }
        var i = range.lowerBound
        while i < range.upperBound {
            var j = i + 1
            while j < range.upperBound && !boundary(j) { j += 1 }
            if j == i + 1 {
                body(i..<j)
            } else {
                scratch.removeAll(keepingCapacity: true)
                for k in i..<j { scratch.append(Unicode.Scalar(input[k]) ?? "\u{FFFD}") }
                var start = i
                for ch in String(scratch) {
                    let n = ch.unicodeScalars.count
                    body(start..<(start + n)); start += n
                }
            }
            i = j
        }
    }

    @inline(__always) private static func utf8Count(_ c: UInt32) -> Int {
        c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
    }

    @inline(__always) private static func appendUTF8(_ c: UInt32, to key: inout [UInt8]) {
        switch c {
        case ..<0x80: key.append(UInt8(c))
        case ..<0x800: key.append(UInt8(0xC0 | c >> 6)); key.append(UInt8(0x80 | c & 0x3F))
        case ..<0x10000:
            key.append(UInt8(0xE0 | c >> 12)); key.append(UInt8(0x80 | (c >> 6) & 0x3F)); key.append(UInt8(0x80 | c & 0x3F))
        default:
            key.append(UInt8(0xF0 | c >> 18)); key.append(UInt8(0x80 | (c >> 12) & 0x3F))
            key.append(UInt8(0x80 | (c >> 6) & 0x3F)); key.append(UInt8(0x80 | c & 0x3F))
        }
    }

    public static func == (a: Self, b: Self) -> Bool { a.units == b.units && a.blob == b.blob }
}
