import Foundation

/// A `tokenizer.json` normalizer (Hugging Face `normalizers.*`). Every step writes, for each output
/// code point, the index of the input code point whose alignment it takes — the rule of Hugging Face's
/// `NormalizedString::transform_range` — so offsets into the original text stay exact through a chain.
public indirect enum Normalizer: Sendable, Equatable {
    case bert(BertNormalizer)
    case sequence([Normalizer])
    /// SentencePiece's compiled normalization rules (`Precompiled`, XLM-R, T5, ALBERT).
    case precompiled(PrecompiledCharsMap)
    case replace(ReplacePattern, content: String)
    case nfc, nfd, nfkc, nfkd
    case lowercase
    case strip(left: Bool, right: Bool)
    case prepend(String)
    case stripAccents

    /// Normalizes `input[range]`, appending code points to `out` and, for each, the index in `input`
    /// of the code point it comes from to `origin`.
    func normalize(_ input: UnsafeBufferPointer<UInt32>, range: Range<Int>,
                   into out: inout [UInt32], origin: inout [Int32], scratch: inout NormalizerScratch) {
        switch self {
        case .bert(let bert):
            bert.normalize(input, range: range, into: &out, origin: &origin, scratch: &scratch.decomposition)
        case .sequence(let steps):
            guard let first = steps.first else { Self.copy(input, range, &out, &origin); return }
            first.normalize(input, range: range, into: &out, origin: &origin, scratch: &scratch)
            for step in steps.dropFirst() {
                // The previous output becomes this step's input; its origins compose with the step's sources.
                var previous = scratch.takeChars(), previousOrigin = scratch.takeOrigin()
                swap(&previous, &out); swap(&previousOrigin, &origin)
                previous.withUnsafeBufferPointer { p in
                    step.normalize(p, range: 0..<p.count, into: &out, origin: &origin, scratch: &scratch)
                }
                for k in origin.indices { origin[k] = previousOrigin[Int(origin[k])] }
                scratch.give(previous, previousOrigin)
            }
        case .precompiled(let map):
            map.normalize(input, range: range, into: &out, origin: &origin, scratch: &scratch)
        case .replace(let pattern, let content):
            pattern.replace(input, range: range, with: content, into: &out, origin: &origin)
        case .nfc, .nfd, .nfkc, .nfkd:
            UnicodeForms.normalize(input, range: range, form: self, into: &out, origin: &origin)
        case .lowercase:
            let classes = CharacterClasses.shared
            for i in range {
                let before = out.count
                classes.appendLowercase(input[i], to: &out)
                for _ in before..<out.count { origin.append(Int32(i)) }
            }
        case .strip(let left, let right):
            // Rust's char::is_whitespace, the same set the BERT pre-tokenizer splits on.
            let classes = CharacterClasses.shared
            var lo = range.lowerBound, hi = range.upperBound
            if left { while lo < hi && classes.flags(input[lo]) & CharacterClasses.splitSpace != 0 { lo += 1 } }
            if right { while hi > lo && classes.flags(input[hi - 1]) & CharacterClasses.splitSpace != 0 { hi -= 1 } }
            Self.copy(input, lo..<hi, &out, &origin)
        case .prepend(let prefix):
            // Prepended code points share the alignment of the first one (nothing is added to an empty text).
            guard !range.isEmpty else { return }
            for s in prefix.unicodeScalars { out.append(s.value); origin.append(Int32(range.lowerBound)) }
            Self.copy(input, range, &out, &origin)
        case .stripAccents:
            // The standalone normalizer drops every combining mark (Mn, Mc, Me), not only BERT's Mn.
            for i in range {
                let c = input[i]
                if c >= 0x300, let s = Unicode.Scalar(c) {
                    switch s.properties.generalCategory {
                    case .nonspacingMark, .spacingMark, .enclosingMark: continue
                    default: break
                    }
                }
                out.append(c); origin.append(Int32(i))
            }
        }
    }

    @inline(__always)
    static func copy(_ input: UnsafeBufferPointer<UInt32>, _ range: Range<Int>, _ out: inout [UInt32], _ origin: inout [Int32]) {
        for i in range { out.append(input[i]); origin.append(Int32(i)) }
    }
}

/// Reusable buffers for normalization, so a chain allocates nothing per text once warm.
struct NormalizerScratch {
    var decomposition: [UInt32] = []
    /// The precompiled map's (code point, change) list, lookup key and grapheme stretch.
    var precompiledChanges: [(c: UInt32, change: Int)] = []
    var precompiledKey: [UInt8] = []
    var graphemeText = String.UnicodeScalarView()
    private var chars: [[UInt32]] = []
    private var origins: [[Int32]] = []

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
