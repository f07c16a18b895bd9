/// Multi-label metrics: each example has any number of the labels; `scores[i][j]` is the
/// independent (sigmoid) score of label j, predicted when `score >= threshold[j]`.
public struct MultiLabelEvaluation: Sendable, Codable, Equatable {
    public struct LabelMetrics: Sendable, Codable, Equatable {
        public var label: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
        public var threshold: Double
        public var rocAUC: Double?
        public var averagePrecision: Double
    }

    public var labels: [String]
    public var count: Int
    /// Share of examples whose predicted label set equals the gold set exactly.
    public var subsetAccuracy: Double
    /// Share of (example, label) decisions that are wrong.
    public var hammingLoss: Double
    public var perLabel: [LabelMetrics]
    public var micro: PRF
    public var macro: PRF
    public var weighted: PRF
    /// Per-example P/R/F1, averaged over examples (scikit-learn's "samples").
    public var samples: PRF
    public var rocAUCMacro: Double?
    public var undefinedAUC: [String]
    public var averagePrecisionMacro: Double
    /// Binary metrics over all (example, label) pairs flattened.
    public var rocAUCMicro: Double?
    public var averagePrecisionMicro: Double

    public static func compute(yTrue: [[Bool]], scores: [[Double]], labels: [String], thresholds: [Double]? = nil) -> MultiLabelEvaluation {
        let L = labels.count, n = yTrue.count
        let th = thresholds ?? [Double](repeating: 0.5, count: L)
        let pred = scores.map { s in (0..<L).map { s[$0] >= th[$0] } }
        var tp = [Double](repeating: 0, count: L), fp = tp, fn = tp
        var exact = 0, wrong = 0
        var sp = 0.0, sr = 0.0, sf = 0.0
        for i in 0..<n {
            var rtp = 0.0, rfp = 0.0, rfn = 0.0
            for j in 0..<L {
                switch (yTrue[i][j], pred[i][j]) {
                case (true, true): tp[j] += 1; rtp += 1
                case (false, true): fp[j] += 1; rfp += 1; wrong += 1
                case (true, false): fn[j] += 1; rfn += 1; wrong += 1
                case (false, false): break
                }
            }
            if rfp == 0 && rfn == 0 { exact += 1 }
            let r = PRF(tp: rtp, fp: rfp, fn: rfn)
            sp += r.precision; sr += r.recall; sf += r.f1
        }
        let prf = AveragedPRF(tp: tp, fp: fp, fn: fn)
        var per: [LabelMetrics] = []
        var undefined: [String] = []
        for j in 0..<L {
            let y = yTrue.map { $0[j] }, s = scores.map { $0[j] }
            let auc = RankingMetrics.rocAUC(labels: y, scores: s)
            if auc == nil { undefined.append(labels[j]) }
            per.append(LabelMetrics(label: labels[j], precision: prf.perClass[j].precision, recall: prf.perClass[j].recall,
                                    f1: prf.perClass[j].f1, support: prf.support[j], threshold: th[j], rocAUC: auc,
                                    averagePrecision: RankingMetrics.averagePrecision(labels: y, scores: s)))
        }
        let aucs = per.compactMap(\.rocAUC)
        let flatY = yTrue.flatMap { $0 }, flatS = scores.flatMap { $0 }
        let dn = Double(max(n, 1))
        return MultiLabelEvaluation(
            labels: labels, count: n, subsetAccuracy: Double(exact) / dn,
            hammingLoss: Double(wrong) / Double(max(n * L, 1)), perLabel: per,
            micro: prf.micro, macro: prf.macro, weighted: prf.weighted,
            samples: PRF(precision: sp / dn, recall: sr / dn, f1: sf / dn),
            rocAUCMacro: aucs.isEmpty ? nil : aucs.reduce(0, +) / Double(aucs.count), undefinedAUC: undefined,
            averagePrecisionMacro: per.map(\.averagePrecision).reduce(0, +) / Double(max(L, 1)),
            rocAUCMicro: RankingMetrics.rocAUC(labels: flatY, scores: flatS),
            averagePrecisionMicro: RankingMetrics.averagePrecision(labels: flatY, scores: flatS))
    }
}

/// Per-label decision thresholds chosen on a validation set to maximize each label's F1.
public enum ThresholdTuning {
    public struct Result: Sendable, Codable, Equatable {
        public var thresholds: [Double]
        /// The validation F1 at the chosen threshold; nil for a label with no positive example
        /// (its threshold stays at `fallback`).
        public var f1: [Double?]
    }

    /// Candidates are the distinct validation scores (predict `score >= t`); the best F1 wins,
    /// ties going to the higher threshold (fewer false positives for the same F1). One sort
    /// and one sweep per label: O(n log n).
    public static func tune(yTrue: [[Bool]], scores: [[Double]], fallback: Double = 0.5) -> Result {
        let L = scores.first?.count ?? 0
        var ths: [Double] = [], f1s: [Double?] = []
        for j in 0..<L {
            let y = yTrue.map { $0[j] }, s = scores.map { $0[j] }
            let positives = Double(y.filter { $0 }.count)
            guard positives > 0 else { ths.append(fallback); f1s.append(nil); continue }
            // Sweep thresholds from high to low; at a run of tied scores all are included at once.
            let c = RankingMetrics.cumulativeCounts(labels: y, scores: s)
            var bestF = -1.0, bestT = fallback
            for i in c.tps.indices {
                let tp = c.tps[i], fp = c.fps[i], fn = positives - tp
                let f = 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0
                if f > bestF { bestF = f; bestT = c.thresholds[i] }   // strict: the higher threshold keeps ties
            }
            ths.append(bestT); f1s.append(bestF)
        }
        return Result(thresholds: ths, f1: f1s)
    }
}
