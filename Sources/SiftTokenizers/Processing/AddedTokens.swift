/// Tokens matched in the raw text before normalization (Hugging Face "added tokens" such as
/// `[CLS]` or `[MASK]` typed by a user), leftmost-longest, with the `lstrip`/`rstrip`/`single_word` flags.
public struct AddedToken: Sendable, Equatable {
    public var content: String
    public var id: Int32
    public var singleWord = false
    public var lstrip = false
    public var rstrip = false
    public var special = true
    public init(content: String, id: Int32, singleWord: Bool = false, lstrip: Bool = false, rstrip: Bool = false, special: Bool = true) {
        self.content = content; self.id = id; self.singleWord = singleWord
        self.lstrip = lstrip; self.rstrip = rstrip; self.special = special
    }
}

struct AddedTokenMatcher: Sendable {
    private let byFirst: [UInt32: [(scalars: [UInt32], token: AddedToken)]]

    init(_ tokens: [AddedToken]) {
        var map: [UInt32: [(scalars: [UInt32], token: AddedToken)]] = [:]
        for t in tokens {
            let s = t.content.unicodeScalars.map(\.value)
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
        scan: while i < n {
            if let candidates = byFirst[text[i]] {
                for (s, tok) in candidates where i + s.count <= n {
                    var ok = true
                    for k in 0..<s.count where text[i + k] != s[k] { ok = false; break }
                    if !ok { continue }
                    var start = i, end = i + s.count
                    if tok.singleWord {
                        if start > 0 && isWordChar(text[start - 1]) { continue }
                        if end < n && isWordChar(text[end]) { continue }
                    }
                    if tok.lstrip { while start > plainStart && classes.flags(text[start - 1]) & ws != 0 { start -= 1 } }
                    if tok.rstrip { while end < n && classes.flags(text[end]) & ws != 0 { end += 1 } }
                    if start > plainStart { out.append((plainStart..<start, nil)) }
                    out.append((start..<end, tok.id))
                    i = end
                    plainStart = end
                    continue scan
                }
            }
            i += 1
        }
        if plainStart < n { out.append((plainStart..<n, nil)) }
        return out
    }
}
