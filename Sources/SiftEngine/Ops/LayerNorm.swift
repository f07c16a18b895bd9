extension Ops {
    /// Row-wise LayerNorm: out = (inp − mean) · rstd · weight + bias, rstd = 1/√(var + eps).
    /// Writes each row's mean and rstd where `mean`/`rstd` are given; the engine passes nil, since
    /// `Backward.layerNorm` recomputes them from the input (see docs/engine.md, "LayerNorm statistics").
    /// - out [N,C], mean [N] or nil, rstd [N] or nil, inp [N,C], weight [C], bias [C].
    public static func layerNormForward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>? = nil, rstd: UnsafeMutablePointer<Float>? = nil,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        n: Int, c: Int, eps: Float
    ) {
        for r in 0..<n {
            let x = inp + r * c
            // Two passes (mean, then centered variance) in Float, as PyTorch's CPU kernel stays in fp32.
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            var i = 0
            while i + 4 <= c { s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]; i += 4 }
            while i < c { s0 += x[i]; i += 1 }
            let m = (s0 + s1 + s2 + s3) / Float(c)
            var v0: Float = 0, v1: Float = 0, v2: Float = 0, v3: Float = 0
            i = 0
            while i + 4 <= c {
                let d0 = x[i] - m, d1 = x[i + 1] - m, d2 = x[i + 2] - m, d3 = x[i + 3] - m
                v0 += d0 * d0; v1 += d1 * d1; v2 += d2 * d2; v3 += d3 * d3
                i += 4
            }
            while i < c { let d = x[i] - m; v0 += d * d; i += 1 }
            let variance = (v0 + v1 + v2 + v3) / Float(c)
            let rs = 1 / (variance + eps).squareRoot()
            let o = out + r * c
            for j in 0..<c { o[j] = (x[j] - m) * rs * weight[j] + bias[j] }
            mean?[r] = m
            rstd?[r] = rs
        }
    }

    /// `layerNormForward` with the rows split over `workers` threads.
    public static func layerNormForward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>? = nil, rstd: UnsafeMutablePointer<Float>? = nil,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        n: Int, c: Int, eps: Float, workers: Int
    ) {
        Parallel.chunks(n, workers: workers, minPerWorker: max(1, 4096 / max(c, 1))) { lo, hi in
            layerNormForward(out: out + lo * c, mean: mean.map { $0 + lo }, rstd: rstd.map { $0 + lo }, inp: inp + lo * c,
                             weight: weight, bias: bias, n: hi - lo, c: c, eps: eps)
        }
    }
}
