/// `sift data inspect` as a library: one streaming pass that counts what a user needs to
/// know before training: size, empties, duplicates, label balance and text lengths.
/// Lengths in characters are Unicode code points (Python's `len`), not grapheme clusters.
public struct DatasetInspection: Sendable, Codable, Equatable {
    public struct LengthStats: Sendable, Codable, Equatable {
        public var min: Int, median: Int, mean: Double, p95: Int, max: Int

        static func of(_ v: [Int]) -> LengthStats? {
            guard !v.isEmpty else { return nil }
            let s = v.sorted()
            // Nearest-rank percentiles: values that occur in the data.
            func pct(_ p: Double) -> Int { s[Swift.max(0, Swift.min(s.count - 1, Int((p * Double(s.count)).rounded(.up)) - 1))] }
            return LengthStats(min: s[0], median: pct(0.5), mean: Double(s.reduce(0, +)) / Double(s.count), p95: pct(0.95), max: s[s.count - 1])
        }
    }

    public struct TokenStats: Sendable, Codable, Equatable {
        public var lengths: LengthStats?
        public var totalTokens: Int
        public var unknownTokens: Int
        /// Share of all (non-special) tokens that are [UNK]: the share of text the model cannot read.
        public var unknownShare: Double
        /// Texts longer than `maxLength` tokens (with [CLS]/[SEP]), which training truncates.
        public var maxLength: Int
        public var longerThanMax: Int
    }

    public var rows = 0
    public var emptyTexts = 0
    /// Rows whose whitespace-collapsed text already appeared.
    public var duplicateRows = 0
    /// Duplicates whose label differs from the first occurrence: contradictory training data.
    public var conflictingDuplicates = 0
    /// Rows per label (multi-label rows count once per label); nil without a label column.
    public var labelCounts: [String: Int]?
    public var missingLabels = 0
    public var characters: LengthStats?
    public var tokens: TokenStats?
}

/// Counts tokens for inspection: total tokens (without special tokens) and [UNK] tokens of
/// a text. Supplied by the caller so SiftData does not fix the tokenizer.
public typealias TokenCounter = @Sendable (String) -> (tokens: Int, unknown: Int)

public enum DatasetInspector {
    public static func inspect(reader: RecordReader, multiLabel: Bool = false, tokenCounter: TokenCounter? = nil,
                               maxLength: Int = 128) throws -> DatasetInspection {
        var r = DatasetInspection()
        var seen: [UInt64: String?] = [:]
        var charLengths: [Int] = []
        var tokenLengths: [Int] = []
        var totalTokens = 0, unknown = 0, longer = 0
        let hasLabels = reader.options.labelColumn != nil && reader.format != .text
        var labelCounts: [String: Int] = [:]
        try reader.forEach { rec in
            r.rows += 1
            if TextNormalization.isBlank(rec.text) { r.emptyTexts += 1 }
            charLengths.append(TextNormalization.codePointCount(rec.text))
            let h = TextNormalization.duplicateHash(rec.text)
            if let prev = seen[h] {
                r.duplicateRows += 1
                if prev != rec.label { r.conflictingDuplicates += 1 }
            } else {
                seen[h] = rec.label
            }
            if hasLabels {
                if let raw = rec.label, !raw.trimmingCharacters(in: .whitespaces).isEmpty {
                    let labels = multiLabel ? ((try? LabelParsing.split(raw)) ?? [raw]) : [raw.trimmingCharacters(in: .whitespaces)]
                    for l in labels { labelCounts[l, default: 0] += 1 }
                } else {
                    r.missingLabels += 1
                }
            }
            if let tokenCounter {
                let c = tokenCounter(rec.text)
                tokenLengths.append(c.tokens)
                totalTokens += c.tokens
                unknown += c.unknown
                if c.tokens + 2 > maxLength { longer += 1 }
            }
        }
        r.labelCounts = hasLabels ? labelCounts : nil
        r.characters = DatasetInspection.LengthStats.of(charLengths)
        if tokenCounter != nil {
            r.tokens = DatasetInspection.TokenStats(lengths: .of(tokenLengths), totalTokens: totalTokens, unknownTokens: unknown,
                                                    unknownShare: totalTokens > 0 ? Double(unknown) / Double(totalTokens) : 0,
                                                    maxLength: maxLength, longerThanMax: longer)
        }
        return r
    }
}
