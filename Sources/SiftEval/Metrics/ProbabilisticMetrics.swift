import Foundation

/// Metrics of predicted probabilities: how good, and how honest, the numbers are.
public enum ProbabilisticMetrics {
    /// Mean negative log-likelihood of the true class; probabilities clipped to
    /// [ε, 1 − ε] with ε the Double machine epsilon (scikit-learn's `log_loss`).
    public static func logLoss(yTrue: [Int], probabilities: [[Double]]) -> Double {
        let eps = Double.ulpOfOne
        var total = 0.0
        for (y, p) in zip(yTrue, probabilities) {
            total -= Foundation.log(min(max(p[y], eps), 1 - eps))
        }
        return total / Double(max(yTrue.count, 1))
    }

    /// Brier score: mean squared distance between the probability vector and the one-hot
    /// truth. For two classes, scikit-learn reports the mean of (p₁ − y)², which is half of
    /// the two-column sum; that is what this returns for K = 2.
    public static func brierScore(yTrue: [Int], probabilities: [[Double]]) -> Double {
        let k = probabilities.first?.count ?? 0
        var total = 0.0
        for (y, p) in zip(yTrue, probabilities) {
            if k == 2 {
                let d = p[1] - (y == 1 ? 1 : 0)
                total += d * d
            } else {
                for c in 0..<k { let d = p[c] - (c == y ? 1 : 0); total += d * d }
            }
        }
        return total / Double(max(yTrue.count, 1))
    }

    /// One bin of a reliability diagram.
    public struct CalibrationBin: Sendable, Codable, Equatable {
        public var lower: Double, upper: Double
        public var count: Int
        public var meanConfidence: Double
        public var accuracy: Double
    }

    /// Top-class confidence in `bins` equal-width bins over (0, 1] (right-closed).
    public static func calibrationBins(yTrue: [Int], probabilities: [[Double]], bins: Int = 15) -> [CalibrationBin] {
        var count = [Int](repeating: 0, count: bins), conf = [Double](repeating: 0, count: bins), hit = [Double](repeating: 0, count: bins)
        // Edges as numpy.linspace builds them (i * step, last = 1), so ties at an edge land alike.
        let step = 1.0 / Double(bins)
        let edges = (0...bins).map { $0 == bins ? 1.0 : Double($0) * step }
        for (y, p) in zip(yTrue, probabilities) {
            // argmax, first index on ties (as numpy).
            var best = 0
            for c in 1..<p.count where p[c] > p[best] { best = c }
            let c = p[best]
            // The bin with lower < c <= upper; c = 0 falls in no bin, as in the reference.
            guard c > 0 else { continue }
            var b = min(bins - 1, max(0, Int((c * Double(bins)).rounded(.up)) - 1))
            while b > 0 && c <= edges[b] { b -= 1 }
            while b < bins - 1 && c > edges[b + 1] { b += 1 }
            count[b] += 1; conf[b] += c; hit[b] += best == y ? 1 : 0
        }
        return (0..<bins).map { b in
            CalibrationBin(lower: edges[b], upper: edges[b + 1], count: count[b],
                           meanConfidence: count[b] > 0 ? conf[b] / Double(count[b]) : 0,
                           accuracy: count[b] > 0 ? hit[b] / Double(count[b]) : 0)
        }
    }

    /// Expected calibration error: Σ over bins of (share of samples) · |accuracy − mean confidence|.
    public static func expectedCalibrationError(yTrue: [Int], probabilities: [[Double]], bins: Int = 15) -> Double {
        let n = Double(yTrue.count)
        guard n > 0 else { return 0 }
        return calibrationBins(yTrue: yTrue, probabilities: probabilities, bins: bins)
            .filter { $0.count > 0 }
            .map { Double($0.count) / n * abs($0.accuracy - $0.meanConfidence) }
            .reduce(0, +)
    }
}
