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

    /// `linearForward` with the output columns split over `workers` threads, each running a
    /// single-threaded sgemm on its slice of the weight rows. For few rows (a batch of one short
    /// text) this beats OpenBLAS's own threading, which splits the few rows instead.
    public static func linearForward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        n: Int, inChannels ic: Int, outChannels oc: Int, workers: Int
    ) {
        if n == 0 { return }
        // Under ~64k multiply-adds a thread wake-up costs more than it saves.
        if workers <= 1 || n * ic * oc < 65_536 { return linearForward(out: out, inp: inp, weight: weight, bias: bias, n: n, inChannels: ic, outChannels: oc) }
        Parallel.chunks(oc, workers: workers, align: 16) { lo, hi in
            if let bias {
                for r in 0..<n { (out + r * oc + lo).update(from: bias + lo, count: hi - lo) }
            }
            BLAS.sgemm(transA: false, transB: true, m: n, n: hi - lo, k: ic,
                       a: inp, lda: ic, b: weight + lo * ic, ldb: ic,
                       beta: bias == nil ? 0 : 1, c: out + lo, ldc: oc)
        }
    }
}
