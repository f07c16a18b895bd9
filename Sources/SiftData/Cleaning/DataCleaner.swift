/// `sift data clean` as a library: a fixed pipeline of steps, each reporting what it changed
/// or removed (with the first few line numbers), so nothing disappears unexplained.
public struct DataCleaner: Sendable {
    public struct Options: Sendable {
        public var normalizeWhitespace = true
        public var dropEmpty = true
        public var dropExactDuplicates = true
        /// Nil turns near-duplicate removal off.
        public var nearDuplicateThreshold: Double? = 0.9
        public init() {}
    }

    public struct StepReport: Sendable, Equatable, Codable {
        public var step: String
        public var affected: Int
        /// Line numbers of the first affected rows (and, for duplicates, of the row they repeat).
        public var examples: [String]
        public var note: String?
    }

    public struct Result: Sendable {
        /// Indices into the input of the rows kept, in order, and their (normalized) texts.
        public var kept: [Int]
        public var texts: [String]
        public var steps: [StepReport]
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    /// Cleans `records` (text, label and line of each input row).
    public func clean(_ records: [Record]) -> Result {
        var steps: [StepReport] = []
        var texts = records.map(\.text)
        var alive = Array(records.indices)

        if options.normalizeWhitespace {
            var changed = 0
            var ex: [String] = []
            for i in alive {
                let n = TextNormalization.collapseWhitespace(texts[i])
                if n != texts[i] { changed += 1; if ex.count < 5 { ex.append("line \(records[i].line)") }; texts[i] = n }
            }
            steps.append(StepReport(step: "normalize whitespace", affected: changed, examples: ex, note: "rows changed, none removed"))
        }
        if options.dropEmpty {
            var ex: [String] = []
            let before = alive.count
            alive = alive.filter { i in
                let empty = TextNormalization.collapseWhitespace(texts[i]).isEmpty
                if empty, ex.count < 5 { ex.append("line \(records[i].line)") }
                return !empty
            }
            steps.append(StepReport(step: "drop empty texts", affected: before - alive.count, examples: ex, note: nil))
        }
        if options.dropExactDuplicates {
            var first: [String: Int] = [:]
            var ex: [String] = []
            var conflicts = 0
            let before = alive.count
            alive = alive.filter { i in
                let key = TextNormalization.duplicateKey(texts[i])
                if let j = first[key] {
                    if records[i].label != records[j].label { conflicts += 1 }
                    if ex.count < 5 { ex.append("line \(records[i].line) = line \(records[j].line)") }
                    return false
                }
                first[key] = i
                return true
            }
            steps.append(StepReport(step: "drop exact duplicates", affected: before - alive.count, examples: ex,
                                    note: conflicts > 0 ? "\(conflicts) of them had a different label than the row kept" : nil))
        }
        if let t = options.nearDuplicateThreshold {
            let detector = NearDuplicateDetector(threshold: t)
            let dup = detector.duplicatesOfEarlier(alive.map { texts[$0] })
            var ex: [String] = []
            var keep: [Int] = []
            for (k, i) in alive.enumerated() {
                if let j = dup[k] {
                    if ex.count < 5 { ex.append("line \(records[i].line) ≈ line \(records[alive[j]].line)") }
                } else { keep.append(i) }
            }
            steps.append(StepReport(step: "drop near duplicates", affected: alive.count - keep.count, examples: ex,
                                    note: "MinHash over character 5-grams, estimated Jaccard ≥ \(t)"))
            alive = keep
        }
        return Result(kept: alive, texts: alive.map { texts[$0] }, steps: steps)
    }
}
