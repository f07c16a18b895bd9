import Foundation
import SiftEngine

/// sentence-transformers' `CosineSimilarityLoss`, the loss SetFit trains the body with:
/// mean over pairs of (cos(u, v) − label)², cos as `torch.cosine_similarity` (each vector
/// divided by max(‖x‖, 1e-8)).
public enum CosineSimilarityLoss {
    /// Returns the mean loss; when given, ADDS `scale · ∂loss/∂u` and `∂loss/∂v` into `du`, `dv`.
    /// - u, v, du, dv [B, C]; labels [B].
    public static func compute<T: GradScalar>(
        u: UnsafePointer<T>, v: UnsafePointer<T>, labels: [Float], B: Int, C: Int,
        du: UnsafeMutablePointer<T>?, dv: UnsafeMutablePointer<T>?, scale: Double = 1
    ) -> Double {
        var total = 0.0
        let eps = T(1e-8)
        for i in 0..<B {
            let a = u + i * C, b = v + i * C
            var aa: T = 0, bb: T = 0, ab: T = 0
            for j in 0..<C { aa += a[j] * a[j]; bb += b[j] * b[j]; ab += a[j] * b[j] }
            let na = Swift.max(aa.squareRoot(), eps), nb = Swift.max(bb.squareRoot(), eps)
            let cos = ab / (na * nb)
            let diff = Double(cos) - Double(labels[i])
            total += diff * diff
            // ∂/∂cos of the mean, then ∂cos/∂a = b/(‖a‖‖b‖) − cos·a/‖a‖² (and symmetrically).
            let g = T(2 * diff / Double(B) * scale)
            if let du {
                let d = du + i * C
                for j in 0..<C { d[j] += g * (b[j] / (na * nb) - cos * a[j] / (na * na)) }
            }
            if let dv {
                let d = dv + i * C
                for j in 0..<C { d[j] += g * (a[j] / (na * nb) - cos * b[j] / (nb * nb)) }
            }
        }
        return total / Double(max(B, 1))
    }
}
