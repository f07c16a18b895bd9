import Foundation

/// L2-regularized logistic regression, fitted to the same optimum as scikit-learn's
/// `LogisticRegression(C=…)` (the head SetFit puts on its embeddings): minimizes
/// C · Σ log-loss + ½‖W‖², intercepts unpenalized, by L-BFGS in Double.
/// - two classes: one sigmoid vector, as scikit-learn's binary case;
/// - more classes: multinomial softmax with one vector per class;
/// - multi-label: one binary problem per label (one-vs-rest).
/// The result is always K logit rows, so inference applies softmax (single-label; the binary
/// case is stored as logits [0, z], whose softmax is [1 − σ(z), σ(z)]) or sigmoid (multi-label).
public struct LogisticRegression: Sendable {
    public enum Targets: Sendable {
        case classes([Int], count: Int)
        case multiHot([[Bool]])
    }

    /// What `fit` returns: logits = x · weightᵀ + bias.
    public struct Model: Sendable, Equatable {
        /// [K, D] row-major.
        public var weight: [Double]
        /// [K]
        public var bias: [Double]
        public var classes: Int
        public var dimension: Int
        public var multiLabel: Bool

        public func logits(_ x: [Double]) -> [Double] {
            (0..<classes).map { k in
                var s = bias[k]
                for d in 0..<dimension { s += weight[k * dimension + d] * x[d] }
                return s
            }
        }

        /// Class probabilities (softmax) or per-label probabilities (sigmoid).
        public func probabilities(_ x: [Double]) -> [Double] {
            let z = logits(x)
            if multiLabel { return z.map { 1 / (1 + Foundation.exp(-$0)) } }
            let m = z.max() ?? 0
            let e = z.map { Foundation.exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }

    public var c: Double
    public var maxIterations: Int
    /// Stop when the gradient's largest component is below this (scikit-learn's `tol` is on the
    /// same quantity, scaled by the sample count).
    public var tolerance: Double

    public init(c: Double = 1.0, maxIterations: Int = 1000, tolerance: Double = 1e-9) {
        self.c = c; self.maxIterations = maxIterations; self.tolerance = tolerance
    }

    /// - x: n rows of D features.
    public func fit(_ x: [[Double]], _ targets: Targets) throws -> Model {
        guard let D = x.first?.count, !x.isEmpty else { throw TrainError.badInput("logistic regression needs at least one example") }
        guard x.allSatisfy({ $0.count == D }) else { throw TrainError.badInput("feature rows differ in length") }
        guard c > 0, c.isFinite else { throw TrainError.badOption("the head's C must be a positive number, found \(c)") }
        switch targets {
        case .classes(let y, let K):
            guard y.count == x.count else { throw TrainError.badInput("\(y.count) labels for \(x.count) examples") }
            guard K >= 2 else { throw TrainError.badInput("a classifier needs at least two classes") }
            if K == 2 {
                let (w, b) = binary(x, y.map { $0 == 1 })
                return Model(weight: [Double](repeating: 0, count: D) + w, bias: [0, b], classes: 2, dimension: D, multiLabel: false)
            }
            return multinomial(x, y, K: K)
        case .multiHot(let y):
            guard y.count == x.count, let K = y.first?.count else { throw TrainError.badInput("\(y.count) label rows for \(x.count) examples") }
            var weight: [Double] = [], bias: [Double] = []
            for k in 0..<K {
                let (w, b) = binary(x, y.map { $0[k] })
                weight += w; bias.append(b)
            }
            return Model(weight: weight, bias: bias, classes: K, dimension: D, multiLabel: true)
        }
    }

    /// One sigmoid vector: θ = [w (D), b].
    func binary(_ x: [[Double]], _ y: [Bool]) -> ([Double], Double) {
        let D = x[0].count
        let theta = LBFGS(maxIterations: maxIterations, tolerance: tolerance).minimize(start: [Double](repeating: 0, count: D + 1)) { t, g in
            var f = 0.0
            for i in 0..<(D + 1) { g[i] = 0 }
            for (row, label) in zip(x, y) {
                var z = t[D]
                for d in 0..<D { z += t[d] * row[d] }
                // log-loss of σ(z) against the label, and its derivative σ(z) − y
                let s = label ? 1.0 : -1.0
                f += c * softplus(-s * z)
                let r = c * (1 / (1 + Foundation.exp(-z)) - (label ? 1 : 0))
                for d in 0..<D { g[d] += r * row[d] }
                g[D] += r
            }
            for d in 0..<D { f += 0.5 * t[d] * t[d]; g[d] += t[d] }
            return f
        }
        return (Array(theta[0..<D]), theta[D])
    }

    /// K softmax vectors: θ = [W (K×D), b (K)]. Intercepts are centered (they are defined only
    /// up to a common shift, which changes no probability).
    func multinomial(_ x: [[Double]], _ y: [Int], K: Int) -> Model {
        let D = x[0].count
        let n = K * (D + 1)
        var theta = LBFGS(maxIterations: maxIterations, tolerance: tolerance).minimize(start: [Double](repeating: 0, count: n)) { t, g in
            var f = 0.0
            for i in 0..<n { g[i] = 0 }
            var z = [Double](repeating: 0, count: K)
            for (row, label) in zip(x, y) {
                for k in 0..<K {
                    var s = t[K * D + k]
                    for d in 0..<D { s += t[k * D + d] * row[d] }
                    z[k] = s
                }
                let m = z.max()!
                var sum = 0.0
                for k in 0..<K { sum += Foundation.exp(z[k] - m) }
                let lse = m + Foundation.log(sum)
                f += c * (lse - z[label])
                for k in 0..<K {
                    let r = c * (Foundation.exp(z[k] - lse) - (k == label ? 1 : 0))
                    for d in 0..<D { g[k * D + d] += r * row[d] }
                    g[K * D + k] += r
                }
            }
            for i in 0..<(K * D) { f += 0.5 * t[i] * t[i]; g[i] += t[i] }
            return f
        }
        let mean = theta[(K * D)...].reduce(0, +) / Double(K)
        for k in 0..<K { theta[K * D + k] -= mean }
        return Model(weight: Array(theta[0..<(K * D)]), bias: Array(theta[(K * D)...]), classes: K, dimension: D, multiLabel: false)
    }
}

/// Limited-memory BFGS (Nocedal & Wright, algorithm 7.4) with a backtracking Armijo line search,
/// for the smooth convex objectives above.
struct LBFGS {
    var maxIterations: Int
    var tolerance: Double
    var memory = 10

    /// `objective(θ, gradient)` returns f(θ) and writes ∇f(θ) into `gradient`.
    func minimize(start: [Double], _ objective: ([Double], inout [Double]) -> Double) -> [Double] {
        let n = start.count
        var x = start
        var g = [Double](repeating: 0, count: n)
        var f = objective(x, &g)
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var gNew = [Double](repeating: 0, count: n)
        for _ in 0..<maxIterations {
            if g.map(abs).max() ?? 0 <= tolerance { break }
            // Two-loop recursion: direction = −H·g.
            var q = g
            var alpha = [Double](repeating: 0, count: s.count)
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                alpha[i] = rho[i] * dot(s[i], q)
                for j in 0..<n { q[j] -= alpha[i] * y[i][j] }
            }
            if let ls = s.last, let ly = y.last {
                let gamma = dot(ls, ly) / max(dot(ly, ly), 1e-300)
                for j in 0..<n { q[j] *= gamma }
            }
            for i in 0..<s.count {
                let beta = rho[i] * dot(y[i], q)
                for j in 0..<n { q[j] += s[i][j] * (alpha[i] - beta) }
            }
            var d = q.map { -$0 }
            var slope = dot(g, d)
            if slope >= 0 {  // not a descent direction: restart from steepest descent
                s.removeAll(); y.removeAll(); rho.removeAll()
                d = g.map { -$0 }; slope = dot(g, d)
            }
            var step = s.isEmpty ? min(1, 1 / max(sqrt(dot(g, g)), 1e-300)) : 1.0
            var xNew = x, fNew = f
            var accepted = false
            for _ in 0..<60 {
                for j in 0..<n { xNew[j] = x[j] + step * d[j] }
                fNew = objective(xNew, &gNew)
                if fNew <= f + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            if !accepted { break }
            let sk = (0..<n).map { xNew[$0] - x[$0] }, yk = (0..<n).map { gNew[$0] - g[$0] }
            let sy = dot(sk, yk)
            if sy > 1e-12 {
                s.append(sk); y.append(yk); rho.append(1 / sy)
                if s.count > memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            }
            let improvement = f - fNew
            x = xNew; f = fNew; g = gNew
            if improvement <= 1e-16 * max(1, abs(f)) && (g.map(abs).max() ?? 0) <= tolerance * 1e3 { break }
        }
        return x
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
}
