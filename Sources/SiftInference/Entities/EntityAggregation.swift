import SiftTokenizers

/// How tokens become entities: Hugging Face's `aggregation_strategy`.
public enum EntityAggregation: String, CaseIterable, Codable, Sendable {
    /// Every token on its own (label and score of its argmax).
    case none
    /// Adjacent tokens of the same type grouped (B- starts a new group), scores averaged.
    case simple
    /// Words first (sub-tokens joined): a word takes its first token's label.
    case first
    /// A word takes the label of its averaged token scores.
    case average
    /// A word takes the label of its most confident token.
    case max

    /// Strategies that group sub-tokens into words first.
    var groupsWords: Bool { self == .first || self == .average || self == .max }
}

/// One entity of a text, as the `token-classification` pipeline returns it: the label (`entity`
/// for `.none`, `entity_group` otherwise, where it is the type without its B-/I- prefix), the
/// score, the `word` text and code-point offsets into the original text.
public struct Entity: Sendable, Equatable {
    public var label: String
    public var score: Float
    public var word: String
    public var start: Int
    public var end: Int
    /// The token's index in its window (`.none` only, as the pipeline reports it).
    public var index: Int?

    public init(label: String, score: Float, word: String, start: Int, end: Int, index: Int? = nil) {
        self.label = label; self.score = score; self.word = word; self.start = start; self.end = end; self.index = index
    }
}

/// The `token-classification` pipeline's post-processing, step for step (transformers 5.x
/// `TokenClassificationPipeline`: gather_pre_entities, aggregate, group_entities, the
/// ignore_labels filter, and aggregate_overlapping_entities across stride windows).
public struct EntityGrouper: Sendable {
    public let labels: [String]
    public let decoder: TokenDecoder
    public let unkTokenId: Int32

    public init(labels: [String], decoder: TokenDecoder, unkTokenId: Int32) {
        self.labels = labels; self.decoder = decoder; self.unkTokenId = unkTokenId
    }

    /// A non-special token with its scores, before aggregation.
    struct PreEntity {
        var word: String
        var scores: ArraySlice<Float>
        var start: Int
        var end: Int
        var index: Int
        var isSubword: Bool
    }

    /// Entities of one text from its windows (one, or several with a stride) and their scores.
    /// - Parameters:
    ///   - text: the original text's code points (offsets index it).
    ///   - ignoreLabels: labels or groups dropped after grouping; nil is the pipeline's ["O"].
    public func entities(text: [Unicode.Scalar], windows: [Encoding], scores: [TokenScores],
                         aggregation: EntityAggregation, ignoreLabels: Set<String>? = nil) -> [Entity] {
        let ignore = ignoreLabels ?? ["O"]
        var all: [Entity] = []
        for (window, s) in zip(windows, scores) {
            let pre = preEntities(text: text, window: window, scores: s)
            all += aggregate(pre, aggregation).filter { !ignore.contains($0.label) }
        }
        return windows.count > 1 ? Self.resolveOverlaps(all) : all
    }

    /// `gather_pre_entities` with offsets (fast tokenizer): special tokens skipped; a token is a
    /// sub-word when its vocabulary string and the text it covers differ in length (WordPiece has
    /// a continuing-subword prefix, so the pipeline takes this rule); an unknown token takes the
    /// text it covers as its word and is never a sub-word.
    func preEntities(text: [Unicode.Scalar], window e: Encoding, scores s: TokenScores) -> [PreEntity] {
        let tokens = e.tokens
        var out: [PreEntity] = []
        for idx in 0..<min(e.count, s.tokens) where e.specialTokensMask[idx] == 0 {
            let o = e.offsets[idx]
            let lo = Swift.max(0, Swift.min(o.start, text.count)), hi = Swift.max(lo, Swift.min(o.end, text.count))
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: text[lo..<hi])
            let wordRef = String(scalars)
            var word = tokens[idx]
            var isSubword = word.unicodeScalars.count != wordRef.unicodeScalars.count
            if e.ids[idx] == unkTokenId { word = wordRef; isSubword = false }
            out.append(PreEntity(word: word, scores: s.row(idx), start: o.start, end: o.end, index: idx, isSubword: isSubword))
        }
        return out
    }

    func label(_ i: Int) -> String { i < labels.count ? labels[i] : "LABEL_\(i)" }

    func aggregate(_ pre: [PreEntity], _ strategy: EntityAggregation) -> [Entity] {
        let entities: [Entity]
        if strategy.groupsWords {
            entities = aggregateWords(pre, strategy)
        } else {
            entities = pre.map { p in
                let i = Self.argmax(p.scores)
                return Entity(label: label(i), score: p.scores[p.scores.startIndex + i], word: p.word,
                              start: p.start, end: p.end, index: p.index)
            }
        }
        return strategy == .none ? entities : groupEntities(entities)
    }

    /// `aggregate_words`: a word is a token and the sub-word tokens after it.
    func aggregateWords(_ pre: [PreEntity], _ strategy: EntityAggregation) -> [Entity] {
        var words: [Entity] = []
        var group: [PreEntity] = []
        for p in pre {
            if !group.isEmpty && !p.isSubword {
                words.append(aggregateWord(group, strategy)); group = []
            }
            group.append(p)
        }
        if !group.isEmpty { words.append(aggregateWord(group, strategy)) }
        return words
    }

    /// `aggregate_word`.
    func aggregateWord(_ group: [PreEntity], _ strategy: EntityAggregation) -> Entity {
        let word = decoder.decode(group.map(\.word))
        let i: Int, score: Float
        switch strategy {
        case .max:
            // max(entities, key=scores.max()): the first token with the highest top score.
            var best = group[0]
            for p in group.dropFirst() where (p.scores.max() ?? 0) > (best.scores.max() ?? 0) { best = p }
            i = Self.argmax(best.scores); score = best.scores[best.scores.startIndex + i]
        case .average:
            let L = group[0].scores.count
            var mean = [Float](repeating: 0, count: L)
            for p in group { for (j, v) in p.scores.enumerated() { mean[j] += v } }
            for j in 0..<L { mean[j] /= Float(group.count) }
            i = Self.argmax(mean[...]); score = mean[i]
        default:
            i = Self.argmax(group[0].scores); score = group[0].scores[group[0].scores.startIndex + i]
        }
        return Entity(label: label(i), score: score, word: word, start: group[0].start, end: group[group.count - 1].end)
    }

    /// `get_tag`: "B-X" / "I-X", and a label without a prefix counts as a continuation ("I").
    static func tag(_ label: String) -> (bi: Character, type: Substring) {
        if label.hasPrefix("B-") { return ("B", label.dropFirst(2)) }
        if label.hasPrefix("I-") { return ("I", label.dropFirst(2)) }
        return ("I", label[...])
    }

    /// `group_entities`: adjacent entities of the same type merge unless the newcomer is a B-.
    func groupEntities(_ entities: [Entity]) -> [Entity] {
        var groups: [Entity] = []
        var run: [Entity] = []
        for e in entities {
            if let last = run.last {
                let (bi, type) = Self.tag(e.label), (_, lastType) = Self.tag(last.label)
                if type == lastType && bi != "B" { run.append(e); continue }
                groups.append(groupSubEntities(run))
                run = []
            }
            run.append(e)
        }
        if !run.isEmpty { groups.append(groupSubEntities(run)) }
        return groups
    }

    /// `group_sub_entities`: the type after the first "-", the mean score, the words decoded together.
    func groupSubEntities(_ run: [Entity]) -> Entity {
        let first = run[0].label
        let type = first.firstIndex(of: "-").map { String(first[first.index(after: $0)...]) } ?? first
        let score = run.map(\.score).reduce(0, +) / Float(run.count)
        return Entity(label: type, score: score, word: decoder.decode(run.map(\.word)), start: run[0].start, end: run[run.count - 1].end)
    }

    /// `aggregate_overlapping_entities`: sorted by start (stably), an entity starting inside the
    /// previous one replaces it when longer, or as long and more confident.
    static func resolveOverlaps(_ entities: [Entity]) -> [Entity] {
        guard !entities.isEmpty else { return entities }
        let sorted = entities.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
        var out: [Entity] = []
        var previous = sorted[0]
        for e in sorted {
            if previous.start <= e.start && e.start < previous.end {
                let length = e.end - e.start, previousLength = previous.end - previous.start
                if length > previousLength || (length == previousLength && e.score > previous.score) { previous = e }
            } else {
                out.append(previous)
                previous = e
            }
        }
        out.append(previous)
        return out
    }

    /// numpy's argmax: the first maximum.
    public static func argmax(_ x: ArraySlice<Float>) -> Int {
        var best = 0
        var bestValue = x.first ?? 0
        for (j, v) in x.enumerated() where v > bestValue { best = j; bestValue = v }
        return best
    }
}
