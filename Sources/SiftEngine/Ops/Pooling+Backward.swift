extension Backward {
    /// Differentiates `Ops.poolForward`: ADDS ∂loss/∂hidden [N,C] given ∂loss/∂pooled [B,C].
    /// Mean spreads each row's gradient over its unmasked tokens; cls sends it to the first token;
    /// max to the token that held each maximum (the first one on ties, as the forward keeps it).
    @inlinable
    public static func pool<T: GradScalar>(
        _ mode: PoolingMode,
        dhidden: UnsafeMutablePointer<T>,  // [N, C]
        dout: UnsafePointer<T>,            // [B, C]
        hidden: UnsafePointer<T>,          // [N, C] the forward's input (max only)
        offsets: UnsafePointer<Int>, keyMask: UnsafePointer<Float>?, B: Int, C: Int
    ) {
        for s in 0..<B {
            let start = offsets[s], end = offsets[s + 1]
            guard end > start else { continue }
            let dy = dout + s * C
            switch mode {
            case .cls:
                let dx = dhidden + start * C
                for j in 0..<C { dx[j] += dy[j] }
            case .mean:
                var count: T = 0
                for r in start..<end where keyMask?[r] ?? 1 != 0 { count += 1 }
                let inv = 1 / Swift.max(count, T(1e-9))
                for r in start..<end where keyMask?[r] ?? 1 != 0 {
                    let dx = dhidden + r * C
                    for j in 0..<C { dx[j] += dy[j] * inv }
                }
            case .max:
                for j in 0..<C {
                    var best = -1
                    for r in start..<end where keyMask?[r] ?? 1 != 0 {
                        if best < 0 || hidden[r * C + j] > hidden[best * C + j] { best = r }
                    }
                    if best >= 0 { dhidden[best * C + j] += dy[j] }
                }
            }
        }
    }

    /// Differentiates row-wise `y = x / max(‖x‖, 1e-12)`: ADDS ∂loss/∂x given ∂loss/∂y, from the
    /// unnormalized rows `x`. dx = (dy − y (y·dy)) / ‖x‖ (the clamp's region passes dy / 1e-12).
    @inlinable
    public static func l2Normalize<T: GradScalar>(
        dinp: UnsafeMutablePointer<T>, dout: UnsafePointer<T>, inp: UnsafePointer<T>, rows: Int, C: Int
    ) {
        for r in 0..<rows {
            let x = inp + r * C, dy = dout + r * C, dx = dinp + r * C
            var ss: T = 0
            for j in 0..<C { ss += x[j] * x[j] }
            let norm = ss.squareRoot()
            if norm <= T(1e-12) {
                for j in 0..<C { dx[j] += dy[j] / T(1e-12) }
                continue
            }
            var dot: T = 0
            for j in 0..<C { dot += x[j] * dy[j] }
            let inv = 1 / norm
            // y·dy = (x·dy)/‖x‖, y = x/‖x‖
            for j in 0..<C { dx[j] += (dy[j] - x[j] * inv * (dot * inv)) * inv }
        }
    }
}
