/// Every single-label metric for one set of predictions, ready for a table, JSON or the
/// HTML report. Class k is `labels[k]`; `probabilities[i][k]` is example i's score for it.
public struct SingleLabelEvaluation: Sendable, Codable, Equatable {
    public struct ClassMetrics: Sendable, Codable, Equatable {
        public var label: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
        /// One-vs-rest; nil when the class is absent from (or is all of) the gold labels.
        public var rocAUC: Double?
        public var averagePrecision: Double?
    }

    public var labels: [String]
    public var count: Int
    public var accuracy: Double
    public var perClass: [ClassMetrics]
    public var micro: PRF
    public var macro: PRF
    public var weighted: PRF
    /// confusion[true][predicted]
    public var confusion: [[Int]]
    /// Mean of the defined one-vs-rest AUCs (scikit-learn's macro when all are defined).
    public var rocAUCMacro: Double?
    /// Classes whose AUC is undefined and left out of the macro.
    public var undefinedAUC: [String]
    public var averagePrecisionMacro: Double?
    public var logLoss: Double?
    public var brierScore: Double?
    public var expectedCalibrationError: Double?

    /// - Parameters:
    ///   - yPred: predicted classes; the argmax of `probabilities` when nil.
    ///   - probabilities: optional; without them the threshold-free metrics are nil.
    public static func compute(yTrue: [Int], yPred: [Int]? = nil, probabilities: [[Double]]? = nil,
                               labels: [String], calibrationBins: Int = 15) -> SingleLabelEvaluation {
        let k = labels.count
        let pred = yPred ?? (probabilities ?? []).map { p in p.indices.max { p[$0] < p[$1] || (p[$0] == p[$1] && $0 > $1) } ?? 0 }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for (t, p) in zip(yTrue, pred) where t >= 0 && t < k && p >= 0 && p < k { confusion[t][p] += 1 }
        var tp = [Double](repeating: 0, count: k), fp = tp, fn = tp
        for c in 0..<k {
            tp[c] = Double(confusion[c][c])
            fn[c] = Double(confusion[c].reduce(0, +)) - tp[c]
            fp[c] = Double((0..<k).map { confusion[$0][c] }.reduce(0, +)) - tp[c]
        }
        let prf = AveragedPRF(tp: tp, fp: fp, fn: fn)
        let correct = zip(yTrue, pred).filter { $0 == $1 }.count
        var perClass: [ClassMetrics] = (0..<k).map { c in
            ClassMetrics(label: labels[c], precision: prf.perClass[c].precision, recall: prf.perClass[c].recall,
                         f1: prf.perClass[c].f1, support: prf.support[c], rocAUC: nil, averagePrecision: nil)
        }
        var aucMacro: Double?, apMacro: Double?, logLoss: Double?, brier: Double?, ece: Double?
        var undefined: [String] = []
        if let probs = probabilities, !probs.isEmpty {
            for c in 0..<k {
                let isC = yTrue.map { $0 == c }
                let s = probs.map { $0[c] }
                perClass[c].rocAUC = RankingMetrics.rocAUC(labels: isC, scores: s)
                perClass[c].averagePrecision = RankingMetrics.averagePrecision(labels: isC, scores: s)
                if perClass[c].rocAUC == nil { undefined.append(labels[c]) }
            }
            let aucs = perClass.compactMap(\.rocAUC)
            aucMacro = aucs.isEmpty ? nil : aucs.reduce(0, +) / Double(aucs.count)
            apMacro = perClass.compactMap(\.averagePrecision).reduce(0, +) / Double(max(k, 1))
            logLoss = ProbabilisticMetrics.logLoss(yTrue: yTrue, probabilities: probs)
            brier = ProbabilisticMetrics.brierScore(yTrue: yTrue, probabilities: probs)
            ece = ProbabilisticMetrics.expectedCalibrationError(yTrue: yTrue, probabilities: probs, bins: calibrationBins)
        }
        return SingleLabelEvaluation(labels: labels, count: yTrue.count,
                                     accuracy: yTrue.isEmpty ? 0 : Double(correct) / Double(yTrue.count),
                                     perClass: perClass, micro: prf.micro, macro: prf.macro, weighted: prf.weighted,
                                     confusion: confusion, rocAUCMacro: aucMacro, undefinedAUC: undefined,
                                     averagePrecisionMacro: apMacro, logLoss: logLoss, brierScore: brier,
                                     expectedCalibrationError: ece)
    }
}
