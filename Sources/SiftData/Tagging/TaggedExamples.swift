/// An entity as a character range of a text, in Unicode code points (Python's `str` indices,
/// and the unit of SiftTokenizers' offsets), `end` exclusive.
public struct EntitySpan: Sendable, Hashable, Codable {
    public var start: Int
    public var end: Int
    public var label: String

    public init(start: Int, end: Int, label: String) {
        self.start = start; self.end = end; self.label = label
    }

    public var range: Range<Int> { start..<end }
}

/// A sentence given as words with one tag each (CoNLL, or JSONL `tokens` + `tags`).
public struct TaggedSentence: Sendable, Equatable {
    public var words: [String]
    public var tags: [String]
    /// 1-based line of the first word (CoNLL) or of the JSON object.
    public var line: Int
    /// The line of each word: one per line in CoNLL, all `line` in JSONL.
    public var wordLines: [Int]

    public init(words: [String], tags: [String], line: Int, wordLines: [Int]? = nil) {
        self.words = words; self.tags = tags; self.line = line
        self.wordLines = wordLines ?? [Int](repeating: line, count: words.count)
    }

    /// The words joined by single spaces, and each word's code-point range in that text: what
    /// the trainer tokenizes, mapping sub-tokens back to words by their offsets.
    public var joined: WordAlignment { WordAlignment(words: words) }

    /// The entities as spans of `joined.text` (tags read as IOB2, see `TagSpans.spans`).
    public var spans: [EntitySpan] { TagSpans.spans(iob2Tags: tags, wordRanges: joined.wordRanges) }
}

/// Words joined by single spaces with the code-point range of each word in the result.
public struct WordAlignment: Sendable, Equatable {
    public var text: String
    public var wordRanges: [Range<Int>]

    public init(words: [String]) {
        var text = ""
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(words.count)
        var at = 0
        for (i, w) in words.enumerated() {
            if i > 0 { text += " "; at += 1 }
            let n = w.unicodeScalars.count
            text += w
            ranges.append(at..<at + n)
            at += n
        }
        self.text = text
        wordRanges = ranges
    }
}

/// A text with entity spans (JSONL `text` + `entities`). Spans are sorted by start, lie inside
/// the text, are non-empty and do not overlap (the reader checks all of it).
public struct SpanAnnotatedText: Sendable, Equatable {
    public var text: String
    public var spans: [EntitySpan]
    /// 1-based line of the JSON object.
    public var line: Int

    public init(text: String, spans: [EntitySpan], line: Int) {
        self.text = text; self.spans = spans; self.line = line
    }

    /// The text of each span.
    public var mentions: [String] {
        let scalars = Array(text.unicodeScalars)
        return spans.map { s in
            var v = String.UnicodeScalarView()
            v.append(contentsOf: scalars[s.start..<s.end])
            return String(v)
        }
    }
}

/// One example of token-classification data, as the file gave it.
public enum TaggedExample: Sendable, Equatable {
    case words(TaggedSentence)
    case spans(SpanAnnotatedText)

    public var line: Int {
        switch self {
        case .words(let s): s.line
        case .spans(let t): t.line
        }
    }

    /// The text and its entity spans, whichever form the file used (words are joined by
    /// single spaces).
    public var annotatedText: SpanAnnotatedText {
        switch self {
        case .words(let s): SpanAnnotatedText(text: s.joined.text, spans: s.spans, line: s.line)
        case .spans(let t): t
        }
    }
}
