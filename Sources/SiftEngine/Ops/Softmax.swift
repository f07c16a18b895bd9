extension Ops {
    /// Row-wise softmax in place with an optional key mask, as HF's eager attention computes it:
    /// masked keys get the score + finfo(float32).min, which underflows to probability 0.
    /// - x [rows, T] (scores in, probabilities out), keyMask [T] (1 keep, 0 mask) or nil.
    /// The max, exp and sum are separate loops with independent accumulators so that each one
    /// vectorizes (a single fused loop carries a serial float dependency).
    public static func softmaxForward(_ x: UnsafeMutablePointer<Float>, rows: Int, t: Int, keyMask: UnsafePointer<Float>?) {
        for r in 0..<rows {
            let row = x + r * t
            if let keyMask {
                for j in 0..<t where keyMask[j] == 0 { row[j] += -Float.greatestFiniteMagnitude }
            }
            var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0
            var j = 0
            while j + 4 <= t {
                m0 = max(m0, row[j]); m1 = max(m1, row[j + 1]); m2 = max(m2, row[j + 2]); m3 = max(m3, row[j + 3])
                j += 4
            }
            while j < t { m0 = max(m0, row[j]); j += 1 }
            let m = max(max(m0, m1), max(m2, m3))
            let mv = Vec(repeating: m)
            map16(out: row, inp: row, count: t) { fastExp($0 - mv) }
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            j = 0
            while j + 4 <= t { s0 += row[j]; s1 += row[j + 1]; s2 += row[j + 2]; s3 += row[j + 3]; j += 4 }
            while j < t { s0 += row[j]; j += 1 }
            let inv = 1 / ((s0 + s1) + (s2 + s3))
            for k in 0..<t { row[k] *= inv }
        }
    }
}
