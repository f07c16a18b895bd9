/// Hugging Face `ByteLevel` (GPT-2, RoBERTa): as a pre-tokenizer it prepends a space to each
/// segment that lacks one, cuts it with GPT-2's regex, then spells every UTF-8 byte as a printable
/// character of GPT-2's byte alphabet; as a post-processor it trims spaces off offsets; the
/// decoder (`ByteLevelDecoder`) maps the characters back to bytes.
public struct ByteLevel: Sendable, Equatable {
    public var addPrefixSpace: Bool
    public var trimOffsets: Bool
    public var useRegex: Bool

    public init(addPrefixSpace: Bool = true, trimOffsets: Bool = true, useRegex: Bool = true) {
        self.addPrefixSpace = addPrefixSpace; self.trimOffsets = trimOffsets; self.useRegex = useRegex
    }

    /// GPT-2's `bytes_to_unicode`: printable Latin-1 bytes stand for themselves, the others for 256 + n.
    static let byteToChar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = 256 + n; n += 1
            }
        }
        return table
    }()

    static let charToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, c) in byteToChar.enumerated() { map[c] = UInt8(b) }
        return map
    }()

    /// The pre-tokenizer: each word (HF split) gets the prefix space, the regex cut and the byte
    /// spelling; every byte character keeps the origin of the code point it spells.
    func split(_ chars: inout [UInt32], _ origin: inout [Int32], words: inout [Range<Int>],
               scratch: inout PreTokenizerScratch) {
        var outChars = scratch.takeChars(), outOrigin = scratch.takeOrigin()
        var out = scratch.takeRanges()
        var word = scratch.takeChars(), wordOrigin = scratch.takeOrigin()
        var pieces = scratch.takeRanges()
        let table = Self.byteToChar
        for w in words where !w.isEmpty {
            word.removeAll(keepingCapacity: true); wordOrigin.removeAll(keepingCapacity: true)
            // `NormalizedString::prepend`: the space shares the alignment of the first character.
            if addPrefixSpace && chars[w.lowerBound] != 0x20 { word.append(0x20); wordOrigin.append(origin[w.lowerBound]) }
            word.append(contentsOf: chars[w]); wordOrigin.append(contentsOf: origin[w])
            pieces.removeAll(keepingCapacity: true)
            if useRegex { Self.gpt2Split(word, into: &pieces) } else { pieces.append(0..<word.count) }
            for p in pieces {
                let start = outChars.count
                for j in p {
                    let c = word[j], o = wordOrigin[j]
                    if c < 0x80 {
                        outChars.append(table[Int(c)]); outOrigin.append(o)
                    } else if c < 0x800 {
                        outChars.append(table[Int(0xC0 | c >> 6)]); outChars.append(table[Int(0x80 | c & 0x3F)])
                        outOrigin.append(o); outOrigin.append(o)
                    } else if c < 0x10000 {
                        outChars.append(table[Int(0xE0 | c >> 12)]); outChars.append(table[Int(0x80 | (c >> 6) & 0x3F)])
                        outChars.append(table[Int(0x80 | c & 0x3F)])
                        outOrigin.append(o); outOrigin.append(o); outOrigin.append(o)
                    } else {
                        outChars.append(table[Int(0xF0 | c >> 18)]); outChars.append(table[Int(0x80 | (c >> 12) & 0x3F)])
                        outChars.append(table[Int(0x80 | (c >> 6) & 0x3F)]); outChars.append(table[Int(0x80 | c & 0x3F)])
                        outOrigin.append(o); outOrigin.append(o); outOrigin.append(o); outOrigin.append(o)
                    }
                }
                out.append(start..<outChars.count)
            }
        }
        swap(&chars, &outChars); swap(&origin, &outOrigin)
        scratch.give(outChars, outOrigin)
        scratch.give(word, wordOrigin)
        scratch.give(&pieces, [])
        scratch.give(&words, out)
    }

    /// Classes of GPT-2's regex: 0 `\s` (White_Space), 1 `\p{L}`, 2 `\p{N}`, 3 anything else.
    @inline(__always)
    /// `gpt2Class` of every BMP code point, computed once: Unicode property lookups cost more than the rest of a split.
    private static let bmpClass: [UInt8] = (0..<0x10000).map { classify(UInt32($0)) }

    @inline(__always) static func gpt2Class(_ c: UInt32) -> UInt8 {
        c < 0x10000 ? bmpClass.withUnsafeBufferPointer { $0[Int(c)] } : classify(c)
    }

    private static func classify(_ c: UInt32) -> UInt8 {
        if c < 0x80 {
            if (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) { return 1 }
            if c >= 0x30 && c <= 0x39 { return 2 }
            if c == 0x20 || (c >= 0x09 && c <= 0x0D) { return 0 }
            return 3
        }
        guard let s = Unicode.Scalar(c) else { return 3 }
        let p = s.properties
        if p.isWhitespace { return 0 }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return 1
        case .decimalNumber, .letterNumber, .otherNumber: return 2
        default: return 3
        }
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, matched
    /// leftmost-first at each position as Oniguruma does; every position matches one alternative.
    static func gpt2Split(_ c: [UInt32], into out: inout [Range<Int>]) {
        let end = c.count
        var i = 0
        while i < end {
            // 's 't 're 've 'm 'll 'd (ASCII apostrophe, lowercase only).
            if c[i] == 0x27 && i + 1 < end {
                let a = c[i + 1]
                if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { out.append(i..<(i + 2)); i += 2; continue }
                if i + 2 < end {
                    let b = c[i + 2]
                    if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) {
                        out.append(i..<(i + 3)); i += 3; continue
                    }
                }
            }
            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
            let j = c[i] == 0x20 ? i + 1 : i
            if j < end {
                let k = gpt2Class(c[j])
                if k != 0 {
                    var e = j + 1
                    while e < end && gpt2Class(c[e]) == k { e += 1 }
                    out.append(i..<e); i = e; continue
                }
            }
            // `\s+(?!\S)` leaves the last space of a run before a non-space to the next word; else `\s+`.
            var e = i + 1
            while e < end && gpt2Class(c[e]) == 0 { e += 1 }
            if e < end && e - 1 > i { e -= 1 }
            out.append(i..<e); i = e
        }
    }

    /// `process_offsets` of tokenizers' byte_level.rs: leading and trailing spaces (`Ġ` or any
    /// White_Space character of the token's string) come off the offsets, except the one prefix
    /// space of a first token when `add_prefix_space` put it there. An added token's string is the
    /// text it matched (with what lstrip/rstrip took), so its offsets lose those spaces too.
    func trim(_ e: inout Encoding, text: String) {
        guard trimOffsets else { return }
        var scalars: [Unicode.Scalar]? = nil
        Self.trimOffsets(&e, addPrefixSpace: addPrefixSpace, text: text, scalars: &scalars)
        for k in e.overflowing.indices {
            Self.trimOffsets(&e.overflowing[k], addPrefixSpace: addPrefixSpace, text: text, scalars: &scalars)
        }
    }

    static func trimOffsets(_ e: inout Encoding, addPrefixSpace: Bool, text: String, scalars: inout [Unicode.Scalar]?) {
        @inline(__always) func isSpace(_ s: Unicode.Scalar) -> Bool { s.value == 0x120 || s.properties.isWhitespace }
        guard let vocabulary = e.vocabulary else { return }
        for i in e.ids.indices {
            var o = e.offsets[i]
            var leading = 0, trailing = 0
            if vocabulary.addedIds.contains(e.ids[i]) && e.specialTokensMask[i] == 0 {
                if scalars == nil { scalars = Array(text.unicodeScalars) }
                let t = scalars!
                guard o.start < o.end, o.end <= t.count else { continue }
                var j = o.start
                while j < o.end && isSpace(t[j]) { leading += 1; j += 1 }
                j = o.end
                while j > o.start && isSpace(t[j - 1]) { trailing += 1; j -= 1 }
            } else {
                guard let token = vocabulary.token(for: e.ids[i]) else { continue }
                let u = token.unicodeScalars
                for s in u { if isSpace(s) { leading += 1 } else { break } }
                for s in u.reversed() { if isSpace(s) { trailing += 1 } else { break } }
            }
            guard leading > 0 || trailing > 0 else { continue }
            if leading > 0 {
                let isFirst = i == 0 || o.start == 0
                if isFirst && addPrefixSpace && leading == 1 { leading = 0 }
                o.start = Swift.min(o.start + leading, o.end)
            }
            if trailing > 0 && o.end >= trailing { o.end = Swift.max(o.end - trailing, o.start) }
            e.offsets[i] = o
        }
    }
}
