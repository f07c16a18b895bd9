/// A character range in the original text, in Unicode code points (what Hugging Face reports in
/// Python). Special and padding tokens have (0, 0).
public struct TokenOffset: Sendable, Hashable, Codable {
    public var start: Int
    public var end: Int
    public init(_ start: Int, _ end: Int) { self.start = start; self.end = end }
}

/// The model inputs for one text or text pair, with Hugging Face `Encoding` semantics.
public struct Encoding: Sendable, Equatable {
    public var ids: [Int32] = []
    public var typeIds: [Int32] = []
    public var attentionMask: [Int32] = []
    public var specialTokensMask: [Int32] = []
    public var offsets: [TokenOffset] = []
    /// The word each token came from (Hugging Face `word_ids()`): the index of its pre-tokenized
    /// word (or added token) within its sequence; -1 for special and padding tokens.
    public var wordIds: [Int32] = []
    /// Windows cut off by truncation (with `stride` tokens of overlap), each a full encoding.
    public var overflowing: [Encoding] = []
    /// Shared id -> token table, so tokens are not materialized unless asked for.
    let vocabulary: Vocabulary?

    public init() { vocabulary = nil }
    init(vocabulary: Vocabulary?) { self.vocabulary = vocabulary }

    public var count: Int { ids.count }

    /// The token strings (a token's string is always its vocabulary entry).
    public var tokens: [String] { ids.map { vocabulary?.token(for: $0) ?? "" } }

    public static func == (a: Encoding, b: Encoding) -> Bool {
        a.ids == b.ids && a.typeIds == b.typeIds && a.attentionMask == b.attentionMask
            && a.specialTokensMask == b.specialTokensMask && a.offsets == b.offsets && a.wordIds == b.wordIds
            && a.overflowing == b.overflowing
    }

    mutating func append(id: Int32, typeId: Int32, offset: TokenOffset, special: Bool, word: Int32 = -1) {
        ids.append(id); typeIds.append(typeId); attentionMask.append(1)
        specialTokensMask.append(special ? 1 : 0); offsets.append(offset); wordIds.append(special ? -1 : word)
    }

    private func slice(_ r: Range<Int>) -> Encoding {
        var e = Encoding(vocabulary: vocabulary)
        e.ids = Array(ids[r]); e.typeIds = Array(typeIds[r]); e.attentionMask = Array(attentionMask[r])
        e.specialTokensMask = Array(specialTokensMask[r]); e.offsets = Array(offsets[r]); e.wordIds = Array(wordIds[r])
        return e
    }

    /// Keeps the first `maxLength` tokens; the rest become overflowing windows that overlap by `stride`.
    /// Mirrors `Encoding::truncate` (direction right).
    mutating func truncate(to maxLength: Int, stride: Int) {
        let n = ids.count
        if maxLength >= n { return }
        if maxLength == 0 {
            let whole = self
            self = Encoding(vocabulary: vocabulary)
            overflowing = [whole]
            return
        }
        let step = maxLength - stride  // callers guarantee stride < maxLength
        var parts: [Range<Int>] = []
        var start = 0
        while start < n {
            let stop = Swift.min(start + maxLength, n)
            parts.append(start..<stop)
            if stop == n { break }
            start += step
        }
        var first = slice(parts[0])
        first.overflowing = parts.dropFirst().map { slice($0) }
        self = first
    }

    /// Appends `pair` after this encoding, combining overflowing windows as `Encoding::merge_with`.
    mutating func merge(with pair: Encoding) {
        var combined: [Encoding] = []
        for o in overflowing {
            var n = o; n.merge(with: pair); combined.append(n)
            for po in pair.overflowing { var m = o; m.merge(with: po); combined.append(m) }
        }
        for po in pair.overflowing { var n = self; n.merge(with: po); combined.append(n) }
        ids += pair.ids; typeIds += pair.typeIds; attentionMask += pair.attentionMask
        specialTokensMask += pair.specialTokensMask; offsets += pair.offsets; wordIds += pair.wordIds
        overflowing = combined
    }

    /// Pads on the right to `length` (and every overflowing window too).
    mutating func pad(to length: Int, padId: Int32, padTypeId: Int32 = 0) {
        for i in overflowing.indices { overflowing[i].pad(to: length, padId: padId, padTypeId: padTypeId) }
        let missing = length - ids.count
        if missing <= 0 { return }
        ids += repeatElement(padId, count: missing)
        typeIds += repeatElement(padTypeId, count: missing)
        attentionMask += repeatElement(0, count: missing)
        specialTokensMask += repeatElement(1, count: missing)
        offsets += repeatElement(TokenOffset(0, 0), count: missing)
        wordIds += repeatElement(-1, count: missing)
    }
}

/// id -> token strings, shared by every encoding of a tokenizer.
final class Vocabulary: Sendable {
    let tokens: [String]
    /// Ids of added tokens: matched in the raw text, their HF token string is the matched text.
    let addedIds: Set<Int32>
    init(_ tokens: [String], addedIds: Set<Int32> = []) { self.tokens = tokens; self.addedIds = addedIds }
    func token(for id: Int32) -> String? { id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil }
}
