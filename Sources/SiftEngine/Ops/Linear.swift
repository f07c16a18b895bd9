extension Ops {
    /// out = inp · weightᵀ + bias, the `nn.Linear` forward, as one sgemm over all N rows.
    /// - out [N,OC], inp [N,IC], weight [OC,IC] (PyTorch layout), bias [OC] or nil.
    public static func linearForward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        n: Int, inChannels ic: Int, outChannels oc: Int
    ) {
        if n == 0 { return }
        if let bias {
            for r in 0..<n { (out + r * oc).update(from: bias, count: oc) }
        }
        BLAS.sgemm(transA: false, transB: true, m: n, n: oc, k: ic,
                   a: inp, lda: ic, b: weight, ldb: ic,
                   beta: bias == nil ? 0 : 1, c: out, ldc: oc)
    }
}
