/// A `tokenizer.json` pre-tokenizer (Hugging Face `pre_tokenizers.*`): cuts a normalized segment into
/// words, each tokenized by the model on its own. Words are ranges into the normalized code points;
/// a pre-tokenizer that rewrites text (Metaspace, ByteLevel) rewrites the buffer and its origins with it.
public indirect enum PreTokenizer: Sendable, Equatable {
    /// `BertPreTokenizer`: split on whitespace (dropped), isolate each punctuation character.
    case bert
    /// `Whitespace`: the regex `\w+|[^\w\s]+`.
    case whitespace
    /// `WhitespaceSplit`: split on whitespace (dropped).
    case whitespaceSplit
    case metaspace(Metaspace)
    /// `ByteLevel`: GPT-2's regex, then each UTF-8 byte as a character of GPT-2's byte alphabet.
    case byteLevel(ByteLevel)
    /// `Split`: a literal or regex pattern with a delimiter behaviour.
    case split(Split)
    case sequence([PreTokenizer])

    /// Refines `words` (ranges into `chars`). `whole` says `words` is still the one unsplit segment,
    /// which starts at `segmentStart` in the original text (Metaspace's `first` scheme asks).
    func split(_ chars: inout [UInt32], _ origin: inout [Int32], words: inout [Range<Int>],
               segmentStart: Int, whole: Bool, scratch: inout PreTokenizerScratch) {
        switch self {
        case .bert:
            let classes = CharacterClasses.shared
            var out = scratch.takeRanges()
            chars.withUnsafeBufferPointer { c in
                for w in words {
                    var start = w.lowerBound
                    for j in w {
                        let f = classes.flags(c[j])
                        if f & CharacterClasses.splitSpace != 0 {
                            if j > start { out.append(start..<j) }
                            start = j + 1
                        } else if f & CharacterClasses.punctuation != 0 {
                            if j > start { out.append(start..<j) }
                            out.append(j..<(j + 1)); start = j + 1
                        }
                    }
                    if w.upperBound > start { out.append(start..<w.upperBound) }
                }
            }
            scratch.give(&words, out)
        case .whitespaceSplit:
            let classes = CharacterClasses.shared
            var out = scratch.takeRanges()
            for w in words {
                var start = w.lowerBound
                for j in w where classes.flags(chars[j]) & CharacterClasses.splitSpace != 0 {
                    if j > start { out.append(start..<j) }
                    start = j + 1
                }
                if w.upperBound > start { out.append(start..<w.upperBound) }
            }
            scratch.give(&words, out)
        case .whitespace:
            var out = scratch.takeRanges()
            for w in words {
                var start = w.lowerBound, kind = 0  // 0 none, 1 word characters, 2 other non-space
                for j in w {
                    let k = Self.regexClass(chars[j])
                    if k != kind {
                        if kind != 0 { out.append(start..<j) }
                        start = j; kind = k
                    }
                }
                if kind != 0 { out.append(start..<w.upperBound) }
            }
            scratch.give(&words, out)
        case .metaspace(let m):
            m.split(&chars, &origin, words: &words, segmentStart: segmentStart, whole: whole, scratch: &scratch)
        case .byteLevel(let b):
            b.split(&chars, &origin, words: &words, scratch: &scratch)
        case .split(let s):
            s.split(chars, words: &words, scratch: &scratch)
        case .sequence(let steps):
            for (i, step) in steps.enumerated() {
                step.split(&chars, &origin, words: &words, segmentStart: segmentStart, whole: whole && i == 0, scratch: &scratch)
            }
        }
    }

    /// Rust regex classes: 1 for `\w` (alphabetic, marks, decimal digits, connector punctuation, join
    /// controls), 0 for `\s`, 2 for anything else.
    @inline(__always)
    static func regexClass(_ cp: UInt32) -> Int {
        if cp < 0x80 {
            if (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5A) || (cp >= 0x61 && cp <= 0x7A) || cp == 0x5F { return 1 }
            if cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) { return 0 }
            return 2
        }
        guard let s = Unicode.Scalar(cp) else { return 2 }
        let p = s.properties
        if p.isWhitespace { return 0 }
        if p.isAlphabetic || p.isJoinControl { return 1 }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return 1
        default: return 2
        }
    }
}

/// Hugging Face `Metaspace`: spaces become the replacement character (`▁`), a replacement is
/// prepended per the scheme, and with `split` the text is cut before each replacement.
public struct Metaspace: Sendable, Equatable {
    public enum PrependScheme: String, Sendable, Equatable {
        case always, first, never
    }
    public var replacement: Unicode.Scalar
    public var prependScheme: PrependScheme
    public var split: Bool

    public init(replacement: Unicode.Scalar = "\u{2581}", prependScheme: PrependScheme = .always, split: Bool = true) {
        self.replacement = replacement; self.prependScheme = prependScheme; self.split = split
    }

    func split(_ chars: inout [UInt32], _ origin: inout [Int32], words: inout [Range<Int>],
               segmentStart: Int, whole: Bool, scratch: inout PreTokenizerScratch) {
        let r = replacement.value
        var outChars = scratch.takeChars(), outOrigin = scratch.takeOrigin()
        var out = scratch.takeRanges()
        for w in words where !w.isEmpty {
            let start = outChars.count
            let first = chars[w.lowerBound] == 0x20 ? r : chars[w.lowerBound]
            // A prepended replacement shares the alignment of the word's first character.
            let originalStart = whole ? segmentStart : Int(origin[w.lowerBound])
            if first != r && (prependScheme == .always || (prependScheme == .first && originalStart == 0)) {
                outChars.append(r); outOrigin.append(origin[w.lowerBound])
            }
            for j in w {
                outChars.append(chars[j] == 0x20 ? r : chars[j]); outOrigin.append(origin[j])
            }
            let end = outChars.count
            if split {
                // MergedWithNext: each replacement opens a new word.
                var s = start
                for j in start..<end where outChars[j] == r && j > s {
                    out.append(s..<j); s = j
                }
                out.append(s..<end)
            } else {
                out.append(start..<end)
            }
        }
        swap(&chars, &outChars); swap(&origin, &outOrigin)
        scratch.give(outChars, outOrigin)
        scratch.give(&words, out)
    }
}

/// Reusable buffers for pre-tokenization.
struct PreTokenizerScratch {
    private var ranges: [[Range<Int>]] = []
    private var chars: [[UInt32]] = []
    private var origins: [[Int32]] = []

    mutating func takeRanges() -> [Range<Int>] {
        guard var r = ranges.popLast() else { return [] }
        r.removeAll(keepingCapacity: true); return r
    }
    /// Replaces `words` by `refined`, keeping the old array for reuse.
    mutating func give(_ words: inout [Range<Int>], _ refined: [Range<Int>]) {
        var old = refined
        swap(&old, &words)
        ranges.append(old)
    }
    mutating func takeChars() -> [UInt32] {
        guard var c = chars.popLast() else { return [] }
        c.removeAll(keepingCapacity: true); return c
    }
    mutating func takeOrigin() -> [Int32] {
        guard var o = origins.popLast() else { return [] }
        o.removeAll(keepingCapacity: true); return o
    }
    mutating func give(_ c: [UInt32], _ o: [Int32]) { chars.append(c); origins.append(o) }
}
