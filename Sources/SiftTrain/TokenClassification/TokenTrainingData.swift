import Foundation
import SiftData
import SiftEngine
import SiftInference
import SiftTokenizers

/// Token-classification examples as the trainer uses them: the text, its words (code-point
/// ranges) with one tag each, and the encoding with a label per token — the word's label on
/// its first sub-token, -100 elsewhere (transformers' run_ner.py), or, with `labelAllTokens`,
/// the word's I- label on its later sub-tokens.
public struct TokenTrainingData: Sendable {
    public struct Item: Sendable {
        public var text: String
        public var wordRanges: [Range<Int>]
        public var tags: [String]
        public var line: Int
        public var ids: [Int32]
        public var typeIds: [Int32]
        /// Per token: a label index, or `ParameterUpdate.ignoredLabel`.
        public var labels: [Int]
        /// Per word: its first token's index, nil when truncation cut the word off.
        public var firstToken: [Int?]
    }

    public var items: [Item]
    /// Sentences cut by the maximum length (their cut words count as predicted O in evaluation).
    public var truncated: Int

    /// - Parameters:
    ///   - examples: words with tags (CoNLL, JSONL tokens/tags) or text with entity spans; a
    ///     spans example's words are the tokenizer's (the pre-tokenizer's split).
    ///   - labels: the model's label list (`O`, then B-/I- per type).
    public init(_ examples: [TaggedExample], labels: [String], tokenizer: Tokenizer, maxLength: Int,
                labelAllTokens: Bool = false, source: String) throws {
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        let options = EncodeOptions(addSpecialTokens: true, maxLength: maxLength, truncation: .longestFirst)
        var items: [Item] = [], truncated = 0
        for ex in examples {
            let text: String, wordRanges: [Range<Int>], tags: [String]
            switch ex {
            case .words(let s):
                let j = s.joined
                text = j.text; wordRanges = j.wordRanges; tags = s.tags
            case .spans(let t):
                text = t.text
                wordRanges = Self.tokenizerWords(tokenizer.encode(t.text, options: EncodeOptions(addSpecialTokens: false)))
                tags = TagSpans.iob2Tags(spans: t.spans, wordRanges: wordRanges)
            }
            var tagIds: [Int] = []
            for (w, tag) in tags.enumerated() {
                guard let i = index[tag] else {
                    throw TrainError.badInput("\(source) line \(ex.line): tag '\(tag)' of word \(w + 1) is not among the model's labels (\(labels.joined(separator: ", ")))")
                }
                tagIds.append(i)
            }
            let e = tokenizer.encode(text, options: options)
            if !e.overflowing.isEmpty { truncated += 1 }
            var tokenLabels = [Int](repeating: ParameterUpdate.ignoredLabel, count: e.count)
            var firstToken = [Int?](repeating: nil, count: wordRanges.count)
            var previous = -1
            for i in 0..<e.count where e.specialTokensMask[i] == 0 {
                guard let w = Self.word(containing: e.offsets[i].start, in: wordRanges) else { previous = -1; continue }
                if w != previous {
                    firstToken[w] = i
                    tokenLabels[i] = tagIds[w]
                } else if labelAllTokens {
                    tokenLabels[i] = index[Self.continuation(tags[w])] ?? tagIds[w]
                }
                previous = w
            }
            items.append(Item(text: text, wordRanges: wordRanges, tags: tags, line: ex.line, ids: e.ids, typeIds: e.typeIds,
                              labels: tokenLabels, firstToken: firstToken))
        }
        self.items = items
        self.truncated = truncated
    }

    /// The tokenizer's words (its `wordIds`) as code-point ranges.
    static func tokenizerWords(_ e: Encoding) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var current: Int32 = -1
        for i in 0..<e.count where e.wordIds[i] >= 0 {
            if e.wordIds[i] == current, let last = out.last {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, e.offsets[i].end)
            } else {
                current = e.wordIds[i]
                out.append(e.offsets[i].start..<e.offsets[i].end)
            }
        }
        return out
    }

    /// The word whose range holds code point `p` (binary search; ranges are sorted, disjoint).
    static func word(containing p: Int, in ranges: [Range<Int>]) -> Int? {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound <= p { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count && ranges[lo].contains(p) ? lo : nil
    }

    /// B-X → I-X (run_ner's `b_to_i_label`), anything else unchanged.
    static func continuation(_ tag: String) -> String { tag.hasPrefix("B-") ? "I-" + tag.dropFirst(2) : tag }
}
