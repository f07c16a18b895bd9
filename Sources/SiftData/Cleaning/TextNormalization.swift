/// Text normalization shared by cleaning, duplicate detection and inspection.
public enum TextNormalization {
    /// Collapses every run of whitespace (spaces, tabs, line breaks, NBSP, ideographic space
    /// and the zero-width characters that copy-paste leaves behind) into one space, and trims.
    public static func collapseWhitespace(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for u in s.unicodeScalars {
            if u.properties.isWhitespace || u == "\u{200B}" || u == "\u{FEFF}" {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(u)
        }
        return String(out)
    }

    /// The key exact duplicates are found by: whitespace-collapsed text (case kept, since
    /// case can carry meaning for a cased model).
    public static func duplicateKey(_ s: String) -> String { collapseWhitespace(s) }

    /// A stable 64-bit FNV-1a hash (Swift's `Hasher` is seeded per process).
    public static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
