import Foundation
import SiftData

/// Loads and checks the training, validation and test sets before any training starts, so bad
/// input costs seconds, not an epoch: unreadable or non-UTF-8 files, a missing text/label column,
/// empty texts and missing labels (SiftData names file and line), a class with a single
/// example, labels in the validation or test set that training never saw, and empty sets.
///
/// The validation set (`eval`) picks the best epoch and drives early stopping; the test set is
/// only scored once, at the end, with the selected model.
public enum TrainingData {
    public struct Source: Sendable {
        public var train: URL
        /// The validation set (selection, early stopping); nil: a stratified `evalSplit` of `train`.
        public var eval: URL?
        /// Fraction of `train` held out (stratified) for validation when `eval` is nil.
        public var evalSplit: Double
        /// Scored once at the end with the selected model; never used for selection.
        public var test: URL?
        public var textColumn: String
        public var textPairColumn: String?
        public var labelColumn: String
        public var multiLabel: Bool
        public var seed: UInt64
        public init(train: URL, eval: URL? = nil, evalSplit: Double = 0.1, test: URL? = nil, textColumn: String = "text",
                    textPairColumn: String? = nil, labelColumn: String = "label", multiLabel: Bool = false, seed: UInt64 = 42) {
            self.train = train; self.eval = eval; self.evalSplit = evalSplit; self.test = test; self.textColumn = textColumn
            self.textPairColumn = textPairColumn; self.labelColumn = labelColumn; self.multiLabel = multiLabel; self.seed = seed
        }
    }

    /// The sets a run uses: `eval` is the validation set.
    public struct Sets: Sendable {
        public var train: LabeledDataset
        public var eval: LabeledDataset
        public var test: LabeledDataset?
    }

    public static func load(_ s: Source) throws -> Sets {
        let options = ReadOptions(textColumn: s.textColumn, textPairColumn: s.textPairColumn, labelColumn: s.labelColumn)
        let all = try LabeledDataset.load(url: s.train, options: options, multiLabel: s.multiLabel)
        guard !all.examples.isEmpty else { throw TrainError.badInput("\(s.train.path): no labeled examples") }
        try checkSingletons(all, file: s.train.path)
        // The label set is fixed by the training data: any other label in validation or test is an error.
        func heldOut(_ url: URL) throws -> LabeledDataset {
            let d = try LabeledDataset.load(url: url, options: options, multiLabel: s.multiLabel, knownLabels: all.labelNames)
            guard !d.examples.isEmpty else { throw TrainError.badInput("\(url.path): no labeled examples") }
            return d
        }
        let test = try s.test.map(heldOut)
        if let evalURL = s.eval {
            return Sets(train: all, eval: try heldOut(evalURL), test: test)
        }
        guard s.evalSplit > 0, s.evalSplit < 1 else {
            throw TrainError.badOption("--validation-split (--eval-split) must be between 0 and 1 (got \(s.evalSplit))")
        }
        let parts = try StratifiedSplit.split(all, train: 1 - s.evalSplit, validation: s.evalSplit, test: 0, seed: s.seed)
        guard !parts.validation.isEmpty else {
            throw TrainError.badInput("\(s.train.path): --validation-split \(s.evalSplit) of \(all.examples.count) examples leaves no validation examples")
        }
        let pick = { (idx: [Int]) in
            LabeledDataset(examples: idx.map { all.examples[$0] }, labelNames: all.labelNames, multiLabel: all.multiLabel)
        }
        return Sets(train: pick(parts.train), eval: pick(parts.validation), test: test)
    }

    /// A class seen once can be neither learned nor evaluated; name it and its line.
    static func checkSingletons(_ d: LabeledDataset, file: String) throws {
        var count: [String: Int] = [:], firstLine: [String: Int] = [:]
        for e in d.examples {
            for l in Set(e.labels) {
                count[l, default: 0] += 1
                if firstLine[l] == nil { firstLine[l] = e.line }
            }
        }
        if let lone = count.filter({ $0.value == 1 }).keys.sorted().first {
            throw TrainError.badInput("\(file) line \(firstLine[lone] ?? 0): label '\(lone)' has only one example; every class needs at least two (to train on and to evaluate)")
        }
    }
}
