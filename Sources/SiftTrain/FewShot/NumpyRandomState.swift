/// numpy's legacy `RandomState` as far as SetFit's pair sampler uses it: MT19937 seeded the
/// legacy way (`init_genrand`), and `permutation(n)`, which is `shuffle(arange(n))` drawing each
/// swap index with numpy's masked rejection sampler (`random_interval`). Reproducing it exactly
/// is what makes Sift's pairs, in count and order, equal SetFit's for the same data.
public struct NumpyRandomState: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// `np.random.RandomState(seed)` for an integer seed in 0..<2³².
    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            let prev = state[i - 1]
            state[i] = 1_812_433_253 &* (prev ^ (prev >> 30)) &+ UInt32(i)
        }
    }

    /// The next raw 32-bit output (MT19937 `genrand_int32`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            var v = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_B0DF }
            state[i] = v
        }
        index = 0
    }

    /// A uniform integer in 0...max: the smallest all-ones mask covering `max`, redrawn until the
    /// masked value fits (numpy's `random_interval`; 32-bit draws suffice below 2³²).
    public mutating func interval(_ max: Int) -> Int {
        if max == 0 { return 0 }
        precondition(max > 0 && max <= Int(UInt32.max), "interval bound out of range")
        var mask = UInt32(max)
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16
        while true {
            let v = nextUInt32() & mask
            if v <= UInt32(max) { return Int(v) }
        }
    }

    /// `RandomState.permutation(n)`: Fisher–Yates from the last element down.
    public mutating func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<n)
        var i = n - 1
        while i >= 1 {
            let j = interval(i)
            a.swapAt(i, j)
            i -= 1
        }
        return a
    }
}
