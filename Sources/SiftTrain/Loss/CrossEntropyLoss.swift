import Foundation
import SiftEngine

/// Softmax cross-entropy with optional class weights and label smoothing, exactly as
/// `torch.nn.CrossEntropyLoss(weight=w, label_smoothing=ε)` with mean reduction:
///
///     W    = Σ_i w[y_i]                                          (N when unweighted)
///     loss = (1−ε)/W · Σ_i w[y_i]·(−log p_i[y_i])  +  ε/(K·W) · Σ_i Σ_c w[c]·(−log p_i[c])
///
/// Gradient per row: [(1−ε)·w[y]·(p − e_y) + ε/K·(Σ_c w[c]·p − w)] / W.
public struct CrossEntropyLoss: TrainingLoss {
    public var classWeights: [Double]?
    public var labelSmoothing: Double
    public init(classWeights: [Double]? = nil, labelSmoothing: Double = 0) {
        self.classWeights = classWeights
        self.labelSmoothing = labelSmoothing
    }

    public func compute<T: GradScalar>(logits: UnsafePointer<T>, targets: LossTargets, B: Int, K: Int,
                                       dlogits: UnsafeMutablePointer<T>?, scale: Double) -> Double {
        guard case .classes(let y) = targets, B > 0 else { return 0 }
        let w = classWeights ?? Array(repeating: 1, count: K)
        let eps = labelSmoothing
        let sumW = w.reduce(0, +)
        var W = 0.0
        for i in 0..<B { W += w[y[i]] }
        var p = [Double](repeating: 0, count: K)
        var total = 0.0
        for i in 0..<B {
            let z = logits + i * K
            let lse = softmaxRow(z, K: K, into: &p)
            let yi = y[i]
            total += (1 - eps) * w[yi] * (lse - Double(z[yi]))
            if eps > 0 {
                var s = 0.0
                for c in 0..<K { s += w[c] * (lse - Double(z[c])) }
                total += eps / Double(K) * s
            }
            if let dlogits {
                let g = dlogits + i * K
                for c in 0..<K {
                    var d = (1 - eps) * w[yi] * (p[c] - (c == yi ? 1 : 0))
                    if eps > 0 { d += eps / Double(K) * (sumW * p[c] - w[c]) }
                    g[c] += T(d / W * scale)
                }
            }
        }
        return total / W
    }
}
