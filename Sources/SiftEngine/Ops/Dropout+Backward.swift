/// Seeded generator for dropout masks (SplitMix64): fast, reproducible from one UInt64, and
/// owned by the trainer, so a run with the same seed drops the same units.
public struct DropoutRNG: Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// SplitMix64's output function: a bijective 64-bit mixer (output k of a generator seeded
    /// with s is mix(s + (k+1)·0x9E3779B97F4A7C15), which lets masks fill in parallel chunks).
    @inlinable
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUnit() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }
}

extension Backward {
    /// Dropout in training mode (nn.Dropout): keeps each unit with probability 1 − p and scales
    /// kept units by 1/(1 − p); writes the scaled keep-mask (0 or 1/(1−p)) to `mask` for the
    /// backward. With p == 0 it is the identity (mask all ones). In evaluation mode it is
    /// never called. (`BertModel.forward` draws its masks with the faster `DropoutRNG.fillMask`.)
    @inlinable
    public static func dropoutForward<T: GradScalar>(
        out: UnsafeMutablePointer<T>, mask: UnsafeMutablePointer<T>, inp: UnsafePointer<T>,
        count: Int, p: Float, rng: inout DropoutRNG
    ) {
        let keep = T(1 / (1 - p))
        for i in 0..<count {
            let m: T = p > 0 && rng.nextUnit() < p ? 0 : (p > 0 ? keep : 1)
            mask[i] = m
            out[i] = inp[i] * m
        }
    }

    /// dinp += dout ⊙ mask (mask as written by `dropoutForward`).
    @inlinable
    public static func dropout<T: GradScalar>(dinp: UnsafeMutablePointer<T>, dout: UnsafePointer<T>,
                                              mask: UnsafePointer<T>, count: Int) {
        for i in 0..<count { dinp[i] += dout[i] * mask[i] }
    }
}
