extension Ops {
    /// Row-wise softmax in place with an optional key mask, as HF's eager attention computes it:
    /// masked keys get the score + finfo(float32).min, which underflows to probability 0.
    /// - x [rows, T] (scores in, probabilities out), keyMask [T] (1 keep, 0 mask) or nil.
    public static func softmaxForward(_ x: UnsafeMutablePointer<Float>, rows: Int, t: Int, keyMask: UnsafePointer<Float>?) {
        for r in 0..<rows {
            let row = x + r * t
            if let keyMask {
                for j in 0..<t where keyMask[j] == 0 { row[j] += -Float.greatestFiniteMagnitude }
            }
            var m = -Float.infinity
            for j in 0..<t { m = max(m, row[j]) }
            var s: Float = 0
            for j in 0..<t { let e = fastExp(row[j] - m); row[j] = e; s += e }
            let inv = 1 / s
            for j in 0..<t { row[j] *= inv }
        }
    }
}
