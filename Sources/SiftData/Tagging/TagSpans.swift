/// Conversions between entity spans and per-word IOB2 tags. "Words" are any ordered,
/// non-overlapping code-point ranges of one text: the words of a `WordAlignment`, or the
/// offsets of a tokenizer's sub-tokens.
public enum TagSpans {
    /// One IOB2 tag per word: a word that overlaps a span by at least one code point gets
    /// `B-label` when it is the span's first such word, `I-label` otherwise; other words get
    /// `O`. A word overlapping two spans keeps the earlier one. Empty ranges (special tokens'
    /// `(0, 0)` offsets) overlap nothing, and a span that overlaps no word (only whitespace)
    /// leaves no tag.
    public static func iob2Tags(spans: [EntitySpan], wordRanges: [Range<Int>]) -> [String] {
        var tags = [String](repeating: "O", count: wordRanges.count)
        var taken = [Bool](repeating: false, count: wordRanges.count)
        var first = 0   // no word before it ends after the spans seen so far start
        for span in spans.sorted(by: { ($0.start, $0.end) < ($1.start, $1.end) }) {
            while first < wordRanges.count, wordRanges[first].upperBound <= span.start { first += 1 }
            var begins = true
            var w = first
            while w < wordRanges.count, wordRanges[w].lowerBound < span.end {
                if !taken[w], !wordRanges[w].isEmpty, wordRanges[w].upperBound > span.start {
                    tags[w] = (begins ? "B-" : "I-") + span.label
                    taken[w] = true
                    begins = false
                }
                w += 1
            }
        }
        return tags
    }

    /// The spans that IOB2 tags describe, from the first word's start to the last word's end.
    /// Read as conlleval does: `B-X` starts an entity, `I-X` continues an X entity or, after
    /// `O` or another type, starts one; anything else (`O`, other prefixes, malformed tags)
    /// is outside.
    public static func spans(iob2Tags tags: [String], wordRanges: [Range<Int>]) -> [EntitySpan] {
        precondition(tags.count == wordRanges.count, "one range per tag")
        var out: [EntitySpan] = []
        var open: EntitySpan?
        for (tag, range) in zip(tags, wordRanges) {
            let t = EntityTag(tag)
            switch t?.prefix {
            case .inside? where open?.label == t!.type:
                open!.end = range.upperBound
            case .begin?, .inside?:
                if let o = open { out.append(o) }
                open = EntitySpan(start: range.lowerBound, end: range.upperBound, label: t!.type)
            default:
                if let o = open { out.append(o) }
                open = nil
            }
        }
        if let o = open { out.append(o) }
        return out
    }
}
