import Foundation

/// What a `Replace` normalizer looks for: a literal string or a regular expression (`{"String": ...}`
/// or `{"Regex": ...}` in tokenizer.json). Matches are found left to right without overlap.
public enum ReplacePattern: Sendable, Equatable {
    case string(String)
    case regex(CompiledRegex)

    /// `NormalizedString::replace`: a match's code points are removed and the content inserted, each
    /// inserted code point taking the alignment of the match's last one.
    func replace(_ input: UnsafeBufferPointer<UInt32>, range: Range<Int>, with content: String,
                 into out: inout [UInt32], origin: inout [Int32]) {
        let matches = self.matches(input, range)
        var at = range.lowerBound
        for m in matches {
            Normalizer.copy(input, at..<m.lowerBound, &out, &origin)
            for s in content.unicodeScalars { out.append(s.value); origin.append(Int32(m.upperBound - 1)) }
            at = m.upperBound
        }
        Normalizer.copy(input, at..<range.upperBound, &out, &origin)
    }

    /// Non-empty matches in `input[range]`, left to right without overlap, as absolute code-point
    /// ranges (a literal matches as Hugging Face's escaped regex does). Replace and Split use it.
    func matches(_ input: UnsafeBufferPointer<UInt32>, _ range: Range<Int>) -> [Range<Int>] {
        switch self {
        case .string(let literal):
            let p = literal.unicodeScalars.map(\.value)
            guard !p.isEmpty else { return [] }
            var found: [Range<Int>] = []
            var i = range.lowerBound
            while i + p.count <= range.upperBound {
                var hit = true
                for k in 0..<p.count where input[i + k] != p[k] { hit = false; break }
                if hit { found.append(i..<(i + p.count)); i += p.count } else { i += 1 }
            }
            return found
        case .regex(let regex):
            return regex.matches(input, range)
        }
    }
}

/// A compiled regular expression (Foundation's, ICU syntax: the patterns tokenizer.json files use,
/// such as `" {2,}"`, mean the same there as in Oniguruma). Compared by pattern.
public final class CompiledRegex: @unchecked Sendable, Equatable {  // NSRegularExpression is immutable and thread-safe
    public let pattern: String
    private let regex: NSRegularExpression

    public init(_ pattern: String) throws {
        self.pattern = pattern
        self.regex = try NSRegularExpression(pattern: pattern)
    }

    public static func == (a: CompiledRegex, b: CompiledRegex) -> Bool { a.pattern == b.pattern }

    /// Non-empty matches in `input[range]` as absolute code-point ranges (the regex runs on UTF-16).
    func matches(_ input: UnsafeBufferPointer<UInt32>, _ range: Range<Int>) -> [Range<Int>] {
        var text = String.UnicodeScalarView()
        var scalarAtUTF16: [Int] = []  // UTF-16 offset -> code point index
        scalarAtUTF16.reserveCapacity(range.count + 1)
        for i in range {
            guard let s = Unicode.Scalar(input[i]) else { continue }
            text.append(s)
            for _ in 0..<s.utf16.count { scalarAtUTF16.append(i) }
        }
        scalarAtUTF16.append(range.upperBound)
        let string = String(text)
        let ns = NSRange(location: 0, length: scalarAtUTF16.count - 1)
        return regex.matches(in: string, range: ns).compactMap { m in
            guard m.range.length > 0 else { return nil }
            return scalarAtUTF16[m.range.location]..<scalarAtUTF16[m.range.location + m.range.length]
        }
    }
}

/// NFC/NFD/NFKC/NFKD, one grapheme cluster at a time (normalization does not reach across them), with
/// the alignment Hugging Face's `unicode-normalization-alignments` gives: the k-th output code point of
/// a cluster comes from its k-th input one, extra ones from the last.
enum UnicodeForms {
    static func normalize(_ input: UnsafeBufferPointer<UInt32>, range: Range<Int>, form: Normalizer,
                          into out: inout [UInt32], origin: inout [Int32]) {
        var text = String.UnicodeScalarView()
        for i in range { if let s = Unicode.Scalar(input[i]) { text.append(s) } }
        var at = range.lowerBound
        for cluster in String(text) {
            let n = cluster.unicodeScalars.count
            let first = cluster.unicodeScalars.first!.value
            if n == 1 && first < 0x80 {
                out.append(first); origin.append(Int32(at)); at += 1
                continue
            }
            let s = String(cluster)
            let normalized: String
            switch form {
            case .nfc: normalized = s.precomposedStringWithCanonicalMapping
            case .nfd: normalized = s.decomposedStringWithCanonicalMapping
            case .nfkc: normalized = s.precomposedStringWithCompatibilityMapping
            default: normalized = s.decomposedStringWithCompatibilityMapping
            }
            for (k, u) in normalized.unicodeScalars.enumerated() {
                out.append(u.value); origin.append(Int32(at + Swift.min(k, n - 1)))
            }
            at += n
        }
    }
}
