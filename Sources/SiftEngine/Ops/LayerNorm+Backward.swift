extension Backward {
    /// Differentiates `out = (x − mean)·rstd·weight + bias` per row, rstd = 1/√(var + eps)
    /// (biased variance, as nn.LayerNorm). Mean and rstd are recomputed from `inp`: O(N·C),
    /// negligible next to the matmuls, and it keeps the forward free of training-only buffers.
    @inlinable
    public static func layerNorm<T: GradScalar>(
        dinp: UnsafeMutablePointer<T>?,     // [N, C]
        dweight: UnsafeMutablePointer<T>?,  // [C]
        dbias: UnsafeMutablePointer<T>?,    // [C]
        dout: UnsafePointer<T>,             // [N, C]
        inp: UnsafePointer<T>,              // [N, C] the LayerNorm's input
        weight: UnsafePointer<T>,           // [C]
        N: Int, C: Int, eps: T
    ) {
        let invC = 1 / T(C)
        for n in 0..<N {
            let x = inp + n * C, dy = dout + n * C
            var mean: T = 0
            for i in 0..<C { mean += x[i] }
            mean *= invC
            var v: T = 0
            for i in 0..<C { let d = x[i] - mean; v += d * d }
            let rstd = 1 / (v * invC + eps).squareRoot()
            // dnorm = dy ⊙ w; dx = rstd · (dnorm − mean(dnorm) − norm · mean(dnorm ⊙ norm))
            var sumD: T = 0, sumDN: T = 0
            for i in 0..<C {
                let norm = (x[i] - mean) * rstd
                let dn = dy[i] * weight[i]
                sumD += dn
                sumDN += dn * norm
                dweight?[i] += dy[i] * norm
                dbias?[i] += dy[i]
            }
            guard let dinp else { continue }
            let mD = sumD * invC, mDN = sumDN * invC
            let dx = dinp + n * C
            for i in 0..<C {
                let norm = (x[i] - mean) * rstd
                dx[i] += rstd * (dy[i] * weight[i] - mD - norm * mDN)
            }
        }
    }
}
