import Foundation

/// One labeled example. Single-label data has exactly one label per example.
public struct LabeledExample: Sendable, Equatable {
    public var text: String
    public var textPair: String?
    public var labels: [String]
    /// Where it came from, for error messages and reports (file line, or a file name for BBC).
    public var line: Int
    public var source: String?

    public init(text: String, textPair: String? = nil, labels: [String], line: Int = 0, source: String? = nil) {
        self.text = text; self.textPair = textPair; self.labels = labels; self.line = line; self.source = source
    }
    /// The label of a single-label example.
    public var label: String { labels.first ?? "" }
}

/// Splitting a raw label value into labels: a JSON list (`["a","b"]`) or `|`-separated (`a|b`).
public enum LabelParsing {
    public static func split(_ raw: String) throws -> [String] {
        let t = raw.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("[") {
            guard let arr = try? JSONSerialization.jsonObject(with: Data(t.utf8)) as? [Any] else {
                throw DataError.invalidArgument("'\(raw)' starts with '[' but is not a JSON list")
            }
            return try arr.map { v in
                guard let s = RecordReader.stringValue(v), !(v is [Any]) else {
                    throw DataError.invalidArgument("a label list may hold only strings or numbers: '\(raw)'")
                }
                return s.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        }
        return t.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// How a loader treats a bad row: stop with an error naming it, or skip it and count why.
public enum BadRowPolicy: String, Sendable {
    case fail, skip
}

/// What a load skipped, by reason, with the first few lines of each (reported, never silent).
public struct SkipReport: Sendable, Equatable, CustomStringConvertible {
    public private(set) var counts: [String: Int] = [:]
    public private(set) var examples: [String: [Int]] = [:]
    public init() {}
    public var total: Int { counts.values.reduce(0, +) }
    mutating func add(_ reason: String, line: Int) {
        counts[reason, default: 0] += 1
        if examples[reason, default: []].count < 5 { examples[reason, default: []].append(line) }
    }
    public var description: String {
        if counts.isEmpty { return "skipped 0 rows" }
        let parts = counts.keys.sorted().map { k in
            "\(counts[k]!) \(k) (lines \(examples[k, default: []].map(String.init).joined(separator: ", "))\(counts[k]! > 5 ? ", …" : ""))"
        }
        return "skipped \(total) rows: " + parts.joined(separator: "; ")
    }
}

/// The checks every command applies to labeled rows, in one place so `train`, `eval` and
/// `data` agree: empty text, missing label, unknown label (when the label set is fixed, e.g.
/// by a trained model), and more than one label in single-label mode.
public struct ExampleValidator: Sendable {
    public var knownLabels: Set<String>?
    public var multiLabel: Bool
    public var policy: BadRowPolicy

    public init(knownLabels: [String]? = nil, multiLabel: Bool = false, policy: BadRowPolicy = .fail) {
        self.knownLabels = knownLabels.map(Set.init); self.multiLabel = multiLabel; self.policy = policy
    }

    /// The example built from `record`, nil when it was skipped (counted in `skips`).
    public func validate(_ record: Record, file: String, labelColumn: String, skips: inout SkipReport) throws -> LabeledExample? {
        let loc = SourceLocation(file: file, line: record.line, columnName: nil)
        func bad(_ reason: String, _ error: DataError) throws -> LabeledExample? {
            if policy == .skip { skips.add(reason, line: record.line); return nil }
            throw error
        }
        if record.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return try bad("empty text", .emptyText(loc))
        }
        var labelLoc = loc; labelLoc.columnName = labelColumn
        guard let raw = record.label, !raw.trimmingCharacters(in: .whitespaces).isEmpty else {
            // An empty list is a valid multi-label target ("none of these").
            if multiLabel, record.label != nil { return LabeledExample(text: record.text, textPair: record.textPair, labels: [], line: record.line, source: file) }
            return try bad("missing label", .missingLabel(labelLoc))
        }
        let labels: [String]
        if multiLabel {
            do { labels = try LabelParsing.split(raw) } catch {
                return try bad("invalid label", .invalidLabel(labelLoc, reason: (error as? DataError)?.errorDescription ?? "\(error)"))
            }
        } else {
            labels = [raw.trimmingCharacters(in: .whitespaces)]
        }
        if let known = knownLabels {
            for l in labels where !known.contains(l) {
                return try bad("unknown label", .unknownLabel(labelLoc, label: l, known: known.sorted()))
            }
        }
        return LabeledExample(text: record.text, textPair: record.textPair, labels: labels, line: record.line, source: file)
    }
}

/// A labeled dataset in memory: examples plus the sorted label set.
public struct LabeledDataset: Sendable {
    public var examples: [LabeledExample]
    /// Sorted label names (or the model's order when `knownLabels` was given).
    public var labelNames: [String]
    public var multiLabel: Bool
    public var skipped: SkipReport

    public init(examples: [LabeledExample], labelNames: [String]? = nil, multiLabel: Bool = false, skipped: SkipReport = SkipReport()) {
        self.examples = examples
        self.labelNames = labelNames ?? Array(Set(examples.flatMap(\.labels))).sorted()
        self.multiLabel = multiLabel
        self.skipped = skipped
    }

    /// Label index of each example (single-label), in `labelNames` order.
    public var labelIndices: [Int] {
        let index = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($1, $0) })
        return examples.map { index[$0.label] ?? -1 }
    }

    /// Loads a labeled file. `knownLabels` (e.g. a trained model's) fixes the label set and
    /// order and makes any other label an error (or a counted skip with `.skip`).
    public static func load(url: URL, options: ReadOptions = ReadOptions(labelColumn: "label"), multiLabel: Bool = false,
                            knownLabels: [String]? = nil, policy: BadRowPolicy = .fail) throws -> LabeledDataset {
        var opts = options
        if opts.labelColumn == nil { opts.labelColumn = "label" }
        let reader = try RecordReader(url: url, options: opts)
        let validator = ExampleValidator(knownLabels: knownLabels, multiLabel: multiLabel, policy: policy)
        var skips = SkipReport()
        var examples: [LabeledExample] = []
        var sawLabelField = reader.format != .jsonl
        try reader.forEach { r in
            if r.label != nil { sawLabelField = true }
            if let e = try validator.validate(r, file: url.path, labelColumn: opts.labelColumn!, skips: &skips) { examples.append(e) }
        }
        if !sawLabelField, !examples.isEmpty || skips.total > 0 {
            throw DataError.missingColumn(file: url.path, column: opts.labelColumn!, available: [])
        }
        return LabeledDataset(examples: examples, labelNames: knownLabels, multiLabel: multiLabel, skipped: skips)
    }
}
