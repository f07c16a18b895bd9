import RealModule

extension Backward {
    /// Differentiates multi-head self-attention of ONE sequence (BertSelfAttention, eager path):
    ///
    ///     S[h] = Q[h]·K[h]ᵀ · scale + maskBias     // maskBias = −∞ at padded keys (HF: finfo.min)
    ///     P[h] = softmax_rows(S[h])
    ///     O[h] = (P[h] ⊙ D[h]) · V[h]               // D = dropout keep-mask / (1 − p), or all ones
    ///
    /// with Q, K, V read from the fused projection `qkv[T, 3C]` (head h = columns h·HS..<(h+1)·HS
    /// of each third) and O written as `out[T, C]`. P is taken from `probs` when the forward kept
    /// it (the engine's recording Activations do), else recomputed from Q and K. Masked keys have
    /// P = 0, hence no gradient; the mask only matters for that recomputation.
    @inlinable
    public static func attention<T: GradScalar>(
        dqkv: UnsafeMutablePointer<T>,        // [T, 3C] +=
        dout: UnsafePointer<T>,               // [T, C]
        qkv: UnsafePointer<T>,                // [T, 3C]
        keyMask: UnsafePointer<Int32>?,       // [T] 1 = real token, 0 = padding; nil = all real
        dropMask: UnsafePointer<T>?,          // [NH, T, T] scaled keep-mask, nil = no dropout
        probs: UnsafePointer<T>? = nil,       // [NH, T, T] softmax output (before dropout) if kept
        T len: Int, C: Int, NH: Int
    ) {
        let HS = C / NH, C3 = 3 * C
        let scale = 1 / T(HS).squareRoot()
        let p = UnsafeMutablePointer<T>.allocate(capacity: len * len)   // P[h]
        let dp = UnsafeMutablePointer<T>.allocate(capacity: len * len)  // dP[h]
        let pd = dropMask == nil ? nil : UnsafeMutablePointer<T>.allocate(capacity: len * len)  // P⊙D[h]
        defer { p.deallocate(); dp.deallocate(); pd?.deallocate() }
        for h in 0..<NH {
            let q = qkv + h * HS, k = qkv + C + h * HS, v = qkv + 2 * C + h * HS
            if let probs {
                p.update(from: probs + h * len * len, count: len * len)
            } else {
            // forward: S = Q·Kᵀ·scale, masked softmax
            T.gemm(transA: false, transB: true, m: len, n: len, k: HS, alpha: scale, a: q, lda: C3,
                   b: k, ldb: C3, beta: 0, c: p, ldc: len)
            for i in 0..<len {
                let row = p + i * len
                var mx = -T.greatestFiniteMagnitude
                for j in 0..<len where keyMask == nil || keyMask![j] != 0 { mx = Swift.max(mx, row[j]) }
                var sum: T = 0
                for j in 0..<len {
                    if let keyMask, keyMask[j] == 0 { row[j] = 0; continue }
                    row[j] = T.exp(row[j] - mx)
                    sum += row[j]
                }
                let inv = sum > 0 ? 1 / sum : 0
                for j in 0..<len { row[j] *= inv }
            }
            }
            // backward through O = (P⊙D)·V:  d(P⊙D) = dO·Vᵀ,  dV += (P⊙D)ᵀ·dO
            let dO = dout + h * HS
            T.gemm(transA: false, transB: true, m: len, n: len, k: HS, alpha: 1, a: dO, lda: C,
                   b: v, ldb: C3, beta: 0, c: dp, ldc: len)
            if let dropMask, let pd {
                let dm = dropMask + h * len * len
                for i in 0..<(len * len) { dp[i] *= dm[i] }
                // dV needs P⊙D; P itself stays for the softmax backward.
                for i in 0..<(len * len) { pd[i] = p[i] * dm[i] }
                T.gemm(transA: true, transB: false, m: len, n: HS, k: len, alpha: 1, a: pd, lda: len,
                       b: dO, ldb: C, beta: 1, c: dqkv + 2 * C + h * HS, ldc: C3)
            } else {
                T.gemm(transA: true, transB: false, m: len, n: HS, k: len, alpha: 1, a: p, lda: len,
                       b: dO, ldb: C, beta: 1, c: dqkv + 2 * C + h * HS, ldc: C3)
            }
            // softmax backward: dS = P ⊙ (dP − rowsum(dP ⊙ P)); stored in dp
            for i in 0..<len {
                let pr = p + i * len, dr = dp + i * len
                var dot: T = 0
                for j in 0..<len { dot += pr[j] * dr[j] }
                for j in 0..<len { dr[j] = pr[j] * (dr[j] - dot) }
            }
            // S = Q·Kᵀ·scale:  dQ += scale·dS·K,  dK += scale·dSᵀ·Q
            T.gemm(transA: false, transB: false, m: len, n: HS, k: len, alpha: scale, a: dp, lda: len,
                   b: k, ldb: C3, beta: 1, c: dqkv + h * HS, ldc: C3)
            T.gemm(transA: true, transB: false, m: len, n: HS, k: len, alpha: scale, a: dp, lda: len,
                   b: q, ldb: C3, beta: 1, c: dqkv + C + h * HS, ldc: C3)
        }
    }
}
