/// Precision, recall and F1 from counts, with scikit-learn's `zero_division` rule: a ratio
/// whose denominator is 0 takes the `zeroDivision` value (0 by default, as in Sift's reports).
public struct PRF: Sendable, Codable, Equatable {
    public var precision: Double
    public var recall: Double
    public var f1: Double

    public init(precision: Double, recall: Double, f1: Double) {
        self.precision = precision; self.recall = recall; self.f1 = f1
    }

    public init(tp: Double, fp: Double, fn: Double, zeroDivision: Double = 0) {
        precision = tp + fp > 0 ? tp / (tp + fp) : zeroDivision
        recall = tp + fn > 0 ? tp / (tp + fn) : zeroDivision
        // F1 straight from counts (as scikit-learn ≥ 1.3 does), not from rounded P and R.
        f1 = 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : zeroDivision
    }
}

/// Per-class precision/recall/F1 plus micro, macro and weighted averages.
public struct AveragedPRF: Sendable, Codable, Equatable {
    public var perClass: [PRF]
    public var support: [Int]
    public var micro: PRF
    public var macro: PRF
    public var weighted: PRF

    /// From per-class true-positive, false-positive and false-negative counts.
    public init(tp: [Double], fp: [Double], fn: [Double], zeroDivision: Double = 0) {
        perClass = tp.indices.map { PRF(tp: tp[$0], fp: fp[$0], fn: fn[$0], zeroDivision: zeroDivision) }
        support = tp.indices.map { Int(tp[$0] + fn[$0]) }
        micro = PRF(tp: tp.reduce(0, +), fp: fp.reduce(0, +), fn: fn.reduce(0, +), zeroDivision: zeroDivision)
        let k = Double(max(perClass.count, 1))
        macro = PRF(precision: perClass.map(\.precision).reduce(0, +) / k,
                    recall: perClass.map(\.recall).reduce(0, +) / k,
                    f1: perClass.map(\.f1).reduce(0, +) / k)
        let sup = support, per = perClass
        let total = Double(sup.reduce(0, +))
        func weightedMean(_ v: [Double]) -> Double {
            guard total > 0 else { return zeroDivision }
            return zip(v, sup).map { $0 * Double($1) }.reduce(0, +) / total
        }
        weighted = PRF(precision: weightedMean(per.map(\.precision)), recall: weightedMean(per.map(\.recall)),
                       f1: weightedMean(per.map(\.f1)))
    }
}
