/// Threshold-free metrics of a binary score: ROC and precision-recall curves, ROC-AUC and
/// average precision, with scikit-learn's definitions (tied scores form one threshold; AP is
/// the step-wise sum Σ (Rₙ − Rₙ₋₁)·Pₙ, not the trapezoid).
public enum RankingMetrics {
    /// Cumulative false and true positives at each distinct score, from the highest score
    /// down (scikit-learn's `_binary_clf_curve`).
    public static func cumulativeCounts(labels: [Bool], scores: [Double]) -> (fps: [Double], tps: [Double], thresholds: [Double]) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var fps: [Double] = [], tps: [Double] = [], th: [Double] = []
        var tp = 0.0, fp = 0.0
        for (k, i) in order.enumerated() {
            if labels[i] { tp += 1 } else { fp += 1 }
            // Emit a point only at the last example of a run of tied scores.
            if k == order.count - 1 || scores[order[k + 1]] != scores[i] {
                fps.append(fp); tps.append(tp); th.append(scores[i])
            }
        }
        return (fps, tps, th)
    }

    public struct Curve: Sendable, Codable, Equatable {
        public var x: [Double]
        public var y: [Double]
        public var thresholds: [Double]
    }

    /// The ROC curve (false-positive rate, true-positive rate), starting at (0, 0). Nil when
    /// only one class is present: the curve is undefined.
    public static func rocCurve(labels: [Bool], scores: [Double]) -> Curve? {
        let c = cumulativeCounts(labels: labels, scores: scores)
        guard let P = c.tps.last, let N = c.fps.last, P > 0, N > 0 else { return nil }
        return Curve(x: [0] + c.fps.map { $0 / N }, y: [0] + c.tps.map { $0 / P }, thresholds: [.infinity] + c.thresholds)
    }

    /// Area under the ROC curve by the trapezoid rule; nil when undefined (one class only).
    public static func rocAUC(labels: [Bool], scores: [Double]) -> Double? {
        guard let c = rocCurve(labels: labels, scores: scores) else { return nil }
        var area = 0.0
        for i in 1..<c.x.count { area += (c.x[i] - c.x[i - 1]) * (c.y[i] + c.y[i - 1]) / 2 }
        return area
    }

    /// Precision-recall points by decreasing threshold (recall ascending), ending where
    /// scikit-learn's reversed curve starts. Precision is 1 at recall 0 by convention.
    public static func precisionRecallCurve(labels: [Bool], scores: [Double]) -> Curve {
        let c = cumulativeCounts(labels: labels, scores: scores)
        let P = c.tps.last ?? 0
        var recall: [Double] = [0], precision: [Double] = [1]
        for i in c.tps.indices {
            let denom = c.tps[i] + c.fps[i]
            precision.append(denom > 0 ? c.tps[i] / denom : 0)
            recall.append(P > 0 ? c.tps[i] / P : 1)
        }
        return Curve(x: recall, y: precision, thresholds: [.infinity] + c.thresholds)
    }

    /// Average precision (PR-AUC). With no positive example scikit-learn sets recall to 1 at
    /// every threshold, which makes AP 0; this does the same.
    public static func averagePrecision(labels: [Bool], scores: [Double]) -> Double {
        let c = precisionRecallCurve(labels: labels, scores: scores)
        var ap = 0.0
        for i in 1..<c.x.count { ap += (c.x[i] - c.x[i - 1]) * c.y[i] }
        return ap
    }
}
