/// How token vectors become one sentence vector (sentence-transformers' Pooling module).
public enum PoolingMode: String, Sendable, Codable, CaseIterable {
    case cls, mean, max
}

extension Ops {
    /// Pools each packed sequence to one row. Masked tokens (keyMask 0) are skipped by mean and max,
    /// as sentence-transformers does with the attention mask; an empty sequence pools to zeros.
    /// - out [B,C], hidden [N,C], offsets [B+1], keyMask [N] or nil.
    public static func poolForward(
        _ mode: PoolingMode, out: UnsafeMutablePointer<Float>, hidden: UnsafePointer<Float>,
        offsets: UnsafePointer<Int>, keyMask: UnsafePointer<Float>?, b: Int, c: Int
    ) {
        for s in 0..<b {
            let o = out + s * c
            let start = offsets[s], end = offsets[s + 1]
            o.update(repeating: 0, count: c)
            switch mode {
            case .cls:
                if end > start { o.update(from: hidden + start * c, count: c) }
            case .mean:
                var count: Float = 0
                for r in start..<end where keyMask?[r] ?? 1 != 0 {
                    let h = hidden + r * c
                    for j in 0..<c { o[j] += h[j] }
                    count += 1
                }
                // sentence-transformers clamps the token count at 1e-9.
                let inv = 1 / max(count, 1e-9)
                for j in 0..<c { o[j] *= inv }
            case .max:
                var any = false
                for r in start..<end where keyMask?[r] ?? 1 != 0 {
                    let h = hidden + r * c
                    if !any { o.update(from: h, count: c); any = true; continue }
                    for j in 0..<c { o[j] = Swift.max(o[j], h[j]) }
                }
            }
        }
    }

    /// Row-wise L2 normalization, x / max(‖x‖, 1e-12) (torch.nn.functional.normalize).
    /// - x [rows, c] in place.
    public static func l2NormalizeForward(_ x: UnsafeMutablePointer<Float>, rows: Int, c: Int) {
        for r in 0..<rows {
            let v = x + r * c
            var s: Float = 0
            for j in 0..<c { s += v[j] * v[j] }
            let inv = 1 / Swift.max(s.squareRoot(), 1e-12)
            for j in 0..<c { v[j] *= inv }
        }
    }
}
