

extension Ops {
    /// Where each sequence's attention probabilities start in a buffer holding all of them:
    /// sequence b uses NH·T_b² floats ([NH, T_b, T_b]) at probOffsets[b]; the last entry is the total.
    public static func attentionProbOffsets(offsets: [Int], heads nh: Int) -> [Int] {
        var out = [0]
        out.reserveCapacity(offsets.count)
        for b in 0..<(offsets.count - 1) {
            let t = offsets[b + 1] - offsets[b]
            out.append(out[b] + nh * t * t)
        }
        return out
    }

    /// Multi-head self-attention core (after the Q/K/V projections, before the output dense):
    /// for each sequence b and head h,
    ///   P = softmax(Q_h·K_hᵀ / √HS + mask),  out_h = P·V_h
    /// with two sgemms per (b, h) reading Q, K, V straight out of the fused qkv rows (no copies).
    /// The (b, h) pairs are spread over `workers` threads; OpenBLAS runs single-threaded meanwhile
    /// (small matrices: splitting pairs across cores beats splitting one sgemm).
    ///
    /// - out [N,C] (heads side by side, HF's context layer), qkv [N,3C] (Q | K | V per row),
    ///   offsets [B+1], keyMask [N] or nil.
    /// - probs: if `probOffsets` is given (training: [B+1] from `attentionProbOffsets`), every
    ///   P [NH,T,T] is kept there for the backward. Otherwise probs is scratch of
    ///   `workers · Tmax²` floats, reused per pair.
    /// - dropMask: training dropout, a scaled keep-mask laid out like the kept probs (needs
    ///   `probOffsets`): out_h = (P ⊙ mask)·V, while probs keep P for the backward.
    public static func attentionForward(
        out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
        qkv: UnsafePointer<Float>, offsets: UnsafePointer<Int>, probOffsets: UnsafePointer<Int>?,
        keyMask: UnsafePointer<Float>?, b: Int, c: Int, heads nh: Int, maxT: Int, workers: Int,
        dropMask: UnsafePointer<Float>? = nil
    ) {
        let hs = c / nh
        let scale = 1 / Float(hs).squareRoot()
        let pairs = b * nh
        if pairs == 0 { return }
        let c3 = 3 * c
        // One pair: sequence s, head h, probabilities at p (dropped copy in `dropped` if training dropout).
        func run(_ pair: Int, _ p: UnsafeMutablePointer<Float>, _ dropped: UnsafeMutablePointer<Float>?) {
            let s = pair / nh, h = pair % nh
            let start = offsets[s], t = offsets[s + 1] - start
            if t == 0 { return }
            let q = qkv + start * c3 + h * hs
            // S = scale · Q·Kᵀ   [T,T]
            BLAS.sgemm(transA: false, transB: true, m: t, n: t, k: hs, alpha: scale,
                       a: q, lda: c3, b: q + c, ldb: c3, beta: 0, c: p, ldc: t)
            softmaxForward(p, rows: t, t: t, keyMask: keyMask.map { $0 + start })
            var pv = UnsafePointer(p)
            if let dropped, let dropMask {
                let d = dropMask + (p - probs)  // same layout as the kept probs
                for i in 0..<(t * t) { dropped[i] = p[i] * d[i] }
                pv = UnsafePointer(dropped)
            }
            // out_h = P·V   [T,HS] into columns h·HS of out
            BLAS.sgemm(transA: false, transB: false, m: t, n: hs, k: t,
                       a: pv, lda: t, b: q + 2 * c, ldb: c3, beta: 0, c: out + start * c + h * hs, ldc: c)
        }
        let w = max(1, min(workers, pairs))
        let dropScratch = dropMask == nil || probOffsets == nil
            ? nil : UnsafeMutablePointer<Float>.allocate(capacity: w * maxT * maxT)
        defer { dropScratch?.deallocate() }
        // Interleaved assignment: with an even head count every worker gets the same share of
        // every sequence, so uneven lengths stay balanced without a shared counter.
        let body: (Int) -> Void = { worker in
            var pair = worker
            while pair < pairs {
                let p: UnsafeMutablePointer<Float>
                if let probOffsets {
                    let s = pair / nh, t = offsets[s + 1] - offsets[s]
                    p = probs + probOffsets[s] + (pair % nh) * t * t
                } else {
                    p = probs + worker * maxT * maxT
                }
                run(pair, p, dropScratch.map { $0 + worker * maxT * maxT })
                pair += w
            }
        }
        if w > 1 { BLAS.singleThreaded { Parallel.run(w, body) } } else { body(0) }
    }
}
