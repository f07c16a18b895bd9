import Foundation

/// Gauss–Legendre quadrature on [0, 1], as Captum's `gausslegendre` method builds it from numpy's
/// `leggauss(n)`: alphas 0.5·(x + 1), weights 0.5·w, ascending.
public enum GaussLegendre {
    /// Nodes and weights of the n-point rule on [0, 1] (Newton's method on Pₙ, in Double).
    public static func rule(_ n: Int) -> (alphas: [Double], weights: [Double]) {
        precondition(n >= 1)
        var x = [Double](repeating: 0, count: n), w = [Double](repeating: 0, count: n)
        for i in 0..<((n + 1) / 2) {
            // Chebyshev-like first guess for the i-th root from the top, then Newton.
            var z = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var dp = 0.0
            for _ in 0..<100 {
                var p0 = 1.0, p1 = z
                if n == 1 { p1 = z } else {
                    for k in 2...n {
                        let p2 = ((2 * Double(k) - 1) * z * p1 - (Double(k) - 1) * p0) / Double(k)
                        p0 = p1; p1 = p2
                    }
                }
                // Pₙ(z) = p1, Pₙ₋₁(z) = p0 (n ≥ 2); for n = 1, P₁ = z, P₀ = 1.
                let pn = p1, pnm1 = n == 1 ? 1.0 : p0
                dp = Double(n) * (z * pn - pnm1) / (z * z - 1)
                let dz = pn / dp
                z -= dz
                if abs(dz) < 1e-16 { break }
            }
            // Recompute the derivative at the converged root.
            var p0 = 1.0, p1 = z
            if n >= 2 { for k in 2...n { let p2 = ((2 * Double(k) - 1) * z * p1 - (Double(k) - 1) * p0) / Double(k); p0 = p1; p1 = p2 } }
            dp = Double(n) * (z * p1 - (n == 1 ? 1.0 : p0)) / (z * z - 1)
            let weight = 2 / ((1 - z * z) * dp * dp)
            x[i] = -z; x[n - 1 - i] = z
            w[i] = weight; w[n - 1 - i] = weight
        }
        return (x.map { 0.5 * ($0 + 1) }, w.map { 0.5 * $0 })
    }
}
