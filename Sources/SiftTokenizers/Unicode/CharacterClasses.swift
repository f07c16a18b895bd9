/// Character classes and mappings of the BERT pipeline, looked up in O(1) per code point.
///
/// Built once from `UnicodeTables` (read off Hugging Face `tokenizers` itself) into one byte of flags
/// per code point (1.1 MB), so the hot loop does a single array load per character.
struct CharacterClasses: Sendable {
    static let removed: UInt8 = 1        // dropped by clean_text (controls, format, private use, NUL, U+FFFD)
    static let cleanSpace: UInt8 = 2     // turned into " " by clean_text
    static let splitSpace: UInt8 = 4     // separates words in the pre-tokenizer (Rust char::is_whitespace)
    static let punctuation: UInt8 = 8    // isolated as its own word by the pre-tokenizer
    static let nonspacingMark: UInt8 = 16 // removed by strip_accents after NFD
    static let chinese: UInt8 = 32       // surrounded by spaces when tokenize_chinese_chars
    static let decomposes: UInt8 = 64    // has a canonical decomposition (NFD)
    static let lowercases: UInt8 = 128   // lowercase mapping differs from itself

    static let shared = CharacterClasses()

    let flags: [UInt8]
    /// Flat storage for mappings: `index[cp]` -> (start, count) into `values`.
    private let decomposition: [UInt32: (Int32, Int32)]
    private let lowercase: [UInt32: (Int32, Int32)]
    private let values: [UInt32]

    private init() {
        var flags = [UInt8](repeating: 0, count: 0x110000)
        func mark(_ ranges: [UInt32], _ bit: UInt8) {
            var i = 0
            while i + 1 < ranges.count {
                for cp in Int(ranges[i])...Int(ranges[i + 1]) { flags[cp] |= bit }
                i += 2
            }
        }
        mark(UnicodeTables.removedByCleanText, Self.removed)
        mark(UnicodeTables.whitespaceForCleanText, Self.cleanSpace)
        mark(UnicodeTables.whitespaceForSplit, Self.splitSpace)
        mark(UnicodeTables.punctuation, Self.punctuation)
        mark(UnicodeTables.nonspacingMarks, Self.nonspacingMark)
        // The CJK blocks that tokenizers' BertNormalizer treats as "Chinese characters".
        for (lo, hi) in [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
                         (0x2B740, 0x2B81F), (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)] {
            for cp in lo...hi { flags[cp] |= Self.chinese }
        }
        for cp in 0xAC00...0xD7A3 { flags[cp] |= Self.decomposes } // Hangul syllables, algorithmic

        var values: [UInt32] = []
        func load(_ flat: [UInt32], _ bit: UInt8) -> [UInt32: (Int32, Int32)] {
            var map: [UInt32: (Int32, Int32)] = [:]
            var i = 0
            while i + 1 < flat.count {
                let key = flat[i], n = Int(flat[i + 1])
                map[key] = (Int32(values.count), Int32(n))
                values.append(contentsOf: flat[(i + 2)..<(i + 2 + n)])
                flags[Int(key)] |= bit
                i += 2 + n
            }
            return map
        }
        decomposition = load(UnicodeTables.canonicalDecomposition, Self.decomposes)
        lowercase = load(UnicodeTables.lowercase, Self.lowercases)
        self.values = values
        self.flags = flags
    }

    @inline(__always) func flags(_ cp: UInt32) -> UInt8 {
        cp < 0x110000 ? flags[Int(cp)] : 0
    }

    /// Appends the canonical decomposition of `cp` (itself when it has none).
    @inline(__always) func appendDecomposition(_ cp: UInt32, to out: inout [UInt32]) {
        if cp >= 0xAC00 && cp <= 0xD7A3 {
            let s = cp - 0xAC00
            out.append(0x1100 + s / 588)
            out.append(0x1161 + (s % 588) / 28)
            if s % 28 != 0 { out.append(0x11A7 + s % 28) }
        } else if let (start, count) = decomposition[cp] {
            out.append(contentsOf: values[Int(start)..<Int(start + count)])
        } else {
            out.append(cp)
        }
    }

    /// Appends the full lowercase mapping of `cp` (Rust's `char::to_lowercase`).
    @inline(__always) func appendLowercase(_ cp: UInt32, to out: inout [UInt32]) {
        if let (start, count) = lowercase[cp] {
            out.append(contentsOf: values[Int(start)..<Int(start + count)])
        } else {
            out.append(cp)
        }
    }
}

extension Unicode.Scalar {
    /// One of the CJK ideograph blocks that BertNormalizer's `handle_chinese_chars` isolates as
    /// a word of its own (whole-word masking treats each such character as a word).
    public var isCJKIdeograph: Bool { CharacterClasses.shared.flags[Int(value)] & CharacterClasses.chinese != 0 }
}
