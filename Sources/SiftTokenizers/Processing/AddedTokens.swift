/// A Hugging Face "added token" (`[CLS]` or `[MASK]` typed by a user, a domain term added with
/// `add_tokens`), matched leftmost-longest with the `lstrip`/`rstrip`/`single_word` flags: in the raw
/// text before normalization, or, when `normalized`, in each normalized stretch between raw matches,
/// against its content normalized the same way (so `COVID-19` matches `covid-19` under lowercasing).
public struct AddedToken: Sendable, Equatable {
    public var content: String
    public var id: Int32
    public var singleWord = false
    public var lstrip = false
    public var rstrip = false
    public var special = true
    public var normalized = false
    public init(content: String, id: Int32, singleWord: Bool = false, lstrip: Bool = false, rstrip: Bool = false,
                special: Bool = true, normalized: Bool = false) {
        self.content = content; self.id = id; self.singleWord = singleWord
        self.lstrip = lstrip; self.rstrip = rstrip; self.special = special; self.normalized = normalized
    }
}

struct AddedTokenMatcher: Sendable {
    private let byFirst: [UInt32: [(scalars: [UInt32], token: AddedToken)]]

    /// `patterns` gives each token's text to look for (its content, or its content normalized).
    init(_ tokens: [AddedToken], patterns: (AddedToken) -> [UInt32] = { $0.content.unicodeScalars.map(\.value) }) {
        var map: [UInt32: [(scalars: [UInt32], token: AddedToken)]] = [:]
        for t in tokens {
            let s = patterns(t)
            guard let f = s.first else { continue }
            map[f, default: []].append((s, t))
        }
        for k in map.keys { map[k]!.sort { $0.scalars.count > $1.scalars.count } }  // longest first
        byFirst = map
    }

    var isEmpty: Bool { byFirst.isEmpty }

    /// Splits `text` into runs of ordinary text and matched added tokens (ranges in code points).
    func split(_ text: UnsafeBufferPointer<UInt32>) -> [(range: Range<Int>, id: Int32?)] {
        if byFirst.isEmpty { return [(0..<text.count, nil)] }
        var out: [(range: Range<Int>, id: Int32?)] = []
        var plainStart = 0
        var i = 0
        let n = text.count
        let ws = CharacterClasses.splitSpace
        let classes = CharacterClasses.shared
        func isWordChar(_ c: UInt32) -> Bool {
            guard let s = Unicode.Scalar(c) else { return false }
            return s.properties.isAlphabetic || s.properties.numericType != nil || c == 0x5F
        }
        // Leftmost-longest, as `tokenizers`' Aho-Corasick scan: a match refused by `single_word` is
        // skipped whole (no shorter token is tried inside it).
        scan: while i < n {
            guard let candidates = byFirst[text[i]] else { i += 1; continue }
            var found: (length: Int, token: AddedToken)?
            for (s, tok) in candidates where i + s.count <= n {
                var ok = true
                for k in 0..<s.count where text[i + k] != s[k] { ok = false; break }
                if ok { found = (s.count, tok); break }
            }
            guard let (length, tok) = found else { i += 1; continue }
            var start = i, end = i + length
            if tok.singleWord && ((start > 0 && isWordChar(text[start - 1])) || (end < n && isWordChar(text[end]))) {
                i = end
                continue scan
            }
            if tok.lstrip { while start > plainStart && classes.flags(text[start - 1]) & ws != 0 { start -= 1 } }
            if tok.rstrip { while end < n && classes.flags(text[end]) & ws != 0 { end += 1 } }
            if start > plainStart { out.append((plainStart..<start, nil)) }
            out.append((start..<end, tok.id))
            i = end
            plainStart = end
        }
        if plainStart < n { out.append((plainStart..<n, nil)) }
        return out
    }
}
