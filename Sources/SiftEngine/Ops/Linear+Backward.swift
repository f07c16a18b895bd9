extension Backward {
    /// Differentiates `out[N,OC] = inp[N,C] · weight[OC,C]ᵀ + bias[OC]` (nn.Linear).
    /// `ldInp`/`ldDinp` let the input be a strided view (e.g. CLS rows); both default to C.
    @inlinable
    public static func linear<T: GradScalar>(
        dinp: UnsafeMutablePointer<T>?,     // [N, C]   += dout · weight
        dweight: UnsafeMutablePointer<T>?,  // [OC, C]  += doutᵀ · inp
        dbias: UnsafeMutablePointer<T>?,    // [OC]     += Σ_rows dout
        dout: UnsafePointer<T>,             // [N, OC]
        inp: UnsafePointer<T>,              // [N, C]
        weight: UnsafePointer<T>,           // [OC, C]
        N: Int, C: Int, OC: Int, ldInp: Int? = nil, ldDinp: Int? = nil
    ) {
        guard N > 0 else { return }
        if let dinp {
            T.gemm(transA: false, transB: false, m: N, n: C, k: OC, alpha: 1, a: dout, lda: OC,
                   b: weight, ldb: C, beta: 1, c: dinp, ldc: ldDinp ?? C)
        }
        if let dweight {
            T.gemm(transA: true, transB: false, m: OC, n: C, k: N, alpha: 1, a: dout, lda: OC,
                   b: inp, ldb: ldInp ?? C, beta: 1, c: dweight, ldc: C)
        }
        if let dbias {
            for n in 0..<N {
                let row = dout + n * OC
                for o in 0..<OC { dbias[o] += row[o] }
            }
        }
    }
}
