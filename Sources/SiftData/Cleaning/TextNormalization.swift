/// Text normalization shared by cleaning, duplicate detection and inspection. Byte-level over
/// UTF-8: these run on every row of files with millions of rows, where walking Unicode
/// scalars with property lookups was the bottleneck.
public enum TextNormalization {
    /// Byte length of the whitespace character starting at `i`, or 0. Covers ASCII
    /// whitespace, NEL, NBSP, U+1680, U+2000–U+200B, U+2028/2029, U+202F, U+205F, U+3000 and
    /// U+FEFF (zero-width characters that copy-paste leaves behind count as whitespace).
    @inline(__always) static func whitespaceLength(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let b = s[i]
        if b == 0x20 || (b >= 0x09 && b <= 0x0D) { return 1 }
        if b < 0xC2 { return 0 }
        let n = s.count
        switch b {
        case 0xC2: return i + 1 < n && (s[i + 1] == 0xA0 || s[i + 1] == 0x85) ? 2 : 0
        case 0xE1: return i + 2 < n && s[i + 1] == 0x9A && s[i + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard i + 2 < n else { return 0 }
            let (c, d) = (s[i + 1], s[i + 2])
            if c == 0x80 && (d <= 0x8B || d == 0xA8 || d == 0xA9 || d == 0xAF) { return 3 }
            if c == 0x81 && d == 0x9F { return 3 }
            return 0
        case 0xE3: return i + 2 < n && s[i + 1] == 0x80 && s[i + 2] == 0x80 ? 3 : 0
        case 0xEF: return i + 2 < n && s[i + 1] == 0xBB && s[i + 2] == 0xBF ? 3 : 0
        default: return 0
        }
    }

    /// Calls `emit` with the bytes of the whitespace-collapsed text (runs become one space,
    /// ends trimmed); returns whether anything changed.
    @inline(__always) static func collapse(_ s: UnsafeBufferPointer<UInt8>, _ emit: (UInt8) -> Void) -> Bool {
        var changed = false, pending = false, wrote = false
        var i = 0
        while i < s.count {
            let w = whitespaceLength(s, i)
            if w > 0 {
                // Unchanged only for a single ASCII space between two non-space characters.
                if w != 1 || s[i] != 0x20 || pending || !wrote { changed = true }
                pending = wrote
                i += w
                continue
            }
            if pending { emit(0x20); pending = false }
            emit(s[i]); wrote = true
            i += 1
        }
        if pending { changed = true }   // trailing whitespace dropped
        return changed
    }

    /// Collapses every run of whitespace into one space, and trims.
    public static func collapseWhitespace(_ s: String) -> String {
        var text = s
        return text.withUTF8 { buf in
            var out: [UInt8] = []
            out.reserveCapacity(buf.count)
            let changed = collapse(buf) { out.append($0) }
            return changed ? String(decoding: out, as: UTF8.self) : s
        }
    }

    /// The key exact duplicates are found by: whitespace-collapsed text (case kept, since
    /// case can carry meaning for a cased model).
    public static func duplicateKey(_ s: String) -> String { collapseWhitespace(s) }

    /// FNV-1a of the whitespace-collapsed text, without building it.
    public static func duplicateHash(_ s: String) -> UInt64 {
        var text = s
        return text.withUTF8 { buf in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            _ = collapse(buf) { h = (h ^ UInt64($0)) &* 0x100_0000_01b3 }
            return h
        }
    }

    /// True when the text is empty or only whitespace.
    public static func isBlank(_ s: String) -> Bool {
        var text = s
        return text.withUTF8 { buf in
            var i = 0
            while i < buf.count {
                let w = whitespaceLength(buf, i)
                if w == 0 { return false }
                i += w
            }
            return true
        }
    }

    /// Length in Unicode code points (what Python's `len` counts), from the UTF-8 bytes.
    public static func codePointCount(_ s: String) -> Int {
        var n = 0
        for b in s.utf8 where b & 0xC0 != 0x80 { n += 1 }
        return n
    }

    /// A stable 64-bit FNV-1a hash (Swift's `Hasher` is seeded per process).
    public static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
