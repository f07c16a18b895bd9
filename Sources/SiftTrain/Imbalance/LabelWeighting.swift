import Foundation

/// Where per-label loss weights come from: `--class-weights` (single-label cross-entropy / focal α,
/// token tags) and `--pos-weight` (multi-label BCE's positive-term weight per label).
public enum LabelWeighting: Sendable, Equatable {
    /// From the training data's counts (see `classWeights` / `positiveWeights`).
    case balanced
    /// The same weight for every label (`--pos-weight 3`).
    case uniform(Double)
    /// A file of `label<TAB>weight` lines (`#` comments, blank lines skipped) or a JSON object.
    case file(String)

    /// `balanced`, a number, or a file path.
    public init(parsing argument: String) {
        if argument == "balanced" { self = .balanced } else if let w = Double(argument), !FileManager.default.fileExists(atPath: argument) {
            self = .uniform(w)
        } else { self = .file(argument) }
    }

    /// Class weights for single-label losses. `balanced` is scikit-learn's
    /// `compute_class_weight("balanced")`: n / (k · count) over the labels that occur (a label that
    /// never occurs keeps weight 1). `flag` names the option in messages.
    public func classWeights(counts: [String: Int], flag: String = "--class-weights") throws -> [String: Double] {
        switch self {
        case .balanced:
            let present = counts.filter { $0.value > 0 }
            let n = Double(present.values.reduce(0, +)), k = Double(present.count)
            return present.mapValues { n / (k * Double($0)) }
        case .uniform(let w):
            try Self.check(w, label: nil, source: flag)
            return counts.mapValues { _ in w }
        case .file(let path): return try Self.read(path, known: Set(counts.keys), flag: flag)
        }
    }

    /// `pos_weight` of `BCEWithLogitsLoss` per label for multi-label data with `positives[label]`
    /// of `total` examples carrying it. `balanced` is negatives / positives per label (the usual
    /// choice: a label's positive and negative terms then weigh the same in the loss); a label
    /// with no positive example keeps 1.
    public func positiveWeights(positives: [String: Int], total: Int, flag: String = "--pos-weight") throws -> [String: Double] {
        switch self {
        case .balanced:
            return positives.mapValues { p in p > 0 && p < total ? Double(total - p) / Double(p) : 1 }
        case .uniform(let w):
            try Self.check(w, label: nil, source: flag)
            return positives.mapValues { _ in w }
        case .file(let path): return try Self.read(path, known: Set(positives.keys), flag: flag)
        }
    }

    static func check(_ w: Double, label: String?, source: String) throws {
        guard w > 0, w.isFinite else {
            throw TrainError.badOption("\(source): weight\(label.map { " of '\($0)'" } ?? "") must be a positive number, found \(w)")
        }
    }

    static func read(_ path: String, known: Set<String>, flag: String) throws -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainError.badOption("\(flag): cannot read \(path)") }
        var out: [String: Double] = [:]
        if let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for (k, v) in obj {
                guard let n = v as? NSNumber else {
                    throw TrainError.badOption("\(path): weight of '\(k)' is not a number")
                }
                out[k] = n.doubleValue
            }
        } else {
            for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let l = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if l.isEmpty || l.hasPrefix("#") { continue }
                let parts = l.split(separator: "\t")
                guard parts.count == 2, let w = Double(parts[1].trimmingCharacters(in: .whitespaces)) else {
                    throw TrainError.badOption("\(path):\(i + 1): expected label<TAB>weight")
                }
                let label = String(parts[0])
                guard out[label] == nil else { throw TrainError.badOption("\(path):\(i + 1): '\(label)' is given twice") }
                out[label] = w
            }
        }
        for (k, w) in out {
            guard known.contains(k) else {
                throw TrainError.badOption("\(path): '\(k)' is not a label of the training data (\(known.sorted().joined(separator: ", ")))")
            }
            try check(w, label: k, source: path)
        }
        return out
    }
}
