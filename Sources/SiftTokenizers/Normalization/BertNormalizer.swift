/// Hugging Face `BertNormalizer`: clean_text, handle_chinese_chars, strip_accents, lowercase, in
/// that order. Works on code points and records, for every normalized character, the index of the
/// original character it came from — which is how Hugging Face derives offsets (a removed
/// character simply vanishes; an inserted or expanded one points at its source).
public struct BertNormalizer: Sendable, Equatable {
    public var cleanText: Bool
    public var handleChineseChars: Bool
    /// `nil` follows `lowercase`, as in Hugging Face.
    public var stripAccents: Bool?
    public var lowercase: Bool

    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    /// Normalizes `input[range]`, appending characters to `out` and their original indices to `origin`.
    func normalize(_ input: UnsafeBufferPointer<UInt32>, range: Range<Int>,
                   into out: inout [UInt32], origin: inout [Int32], scratch: inout [UInt32]) {
        let classes = CharacterClasses.shared
        let strip = stripAccents ?? lowercase
        for i in range {
            var cp = input[i]
            let f = classes.flags(cp)
            // Fast path: printable ASCII that no step changes except lowercase.
            if cp < 0x80 && f & (CharacterClasses.removed | CharacterClasses.cleanSpace) == 0 {
                if lowercase && cp >= 0x41 && cp <= 0x5A { cp += 32 }
                out.append(cp); origin.append(Int32(i))
                continue
            }
            if cleanText {
                if f & CharacterClasses.removed != 0 { continue }
                if f & CharacterClasses.cleanSpace != 0 { cp = 0x20 }
            }
            if handleChineseChars && classes.flags(cp) & CharacterClasses.chinese != 0 {
                // " c " — all three point at the original character.
                out.append(0x20); origin.append(Int32(i))
                appendStripLower(cp, strip: strip, index: Int32(i), classes, &out, &origin, &scratch)
                out.append(0x20); origin.append(Int32(i))
            } else {
                appendStripLower(cp, strip: strip, index: Int32(i), classes, &out, &origin, &scratch)
            }
        }
    }

    @inline(__always)
    private func appendStripLower(_ cp: UInt32, strip: Bool, index: Int32, _ classes: CharacterClasses,
                                  _ out: inout [UInt32], _ origin: inout [Int32], _ scratch: inout [UInt32]) {
        if strip && classes.flags(cp) & CharacterClasses.decomposes != 0 {
            scratch.removeAll(keepingCapacity: true)
            classes.appendDecomposition(cp, to: &scratch)
            for d in scratch where classes.flags(d) & CharacterClasses.nonspacingMark == 0 {
                appendLower(d, index: index, classes, &out, &origin)
            }
        } else {
            if strip && classes.flags(cp) & CharacterClasses.nonspacingMark != 0 { return }
            appendLower(cp, index: index, classes, &out, &origin)
        }
    }

    @inline(__always)
    private func appendLower(_ cp: UInt32, index: Int32, _ classes: CharacterClasses,
                             _ out: inout [UInt32], _ origin: inout [Int32]) {
        if lowercase && classes.flags(cp) & CharacterClasses.lowercases != 0 {
            let before = out.count
            classes.appendLowercase(cp, to: &out)
            for _ in before..<out.count { origin.append(index) }
        } else {
            out.append(cp); origin.append(index)
        }
    }
}
