// Branch-free exp/erf/tanh, 16 lanes at a time: libm's expf/erff are scalar calls and would cost
// as much as the matrix multiplies at MiniLM's size. Accuracy (checked against libm in
// OpsTests.fastMathMatchesLibm): exp relative error < 2e-7, erf absolute < 3e-7.

extension Ops {
    // Scalar forms, for callers outside the hot loops (tests, one-off values): lane 0 of the
    // 16-lane functions below, so there is one set of coefficients.
    @inline(__always) public static func fastExp(_ x: Float) -> Float { fastExp(Vec(repeating: x))[0] }
    @inline(__always) public static func fastErf(_ x: Float) -> Float { fastErf(Vec(repeating: x))[0] }
    @inline(__always) public static func fastTanh(_ x: Float) -> Float { fastTanh(Vec(repeating: x))[0] }
}

// Written with SIMD16 because scalar loops over such functions did not auto-vectorize (min/max
// and the Float→Int bit tricks kept LLVM scalar), and a scalar GELU cost ~9% of a MiniLM forward.
extension Ops {
    public typealias Vec = SIMD16<Float>

    /// e^x via x = k·ln2 + r, |r| <= ln2/2, a degree-6 polynomial for e^r, and 2^k by exponent
    /// bits. Adding 1.5·2^23 rounds x·log2 e to the nearest integer k and leaves k in the low
    /// mantissa bits (no trapping Float→Int conversion); k is in [-126, 128], split in two
    /// factors so each stays a normal float.
    @inline(__always)
    public static func fastExp(_ x: Vec) -> Vec {
        let xc = clamp(x, -87.33654, 88.72283)
        let magic = Vec(repeating: 12582912)
        let shifted = xc * 1.442695041 + magic
        let k = shifted - magic
        // Cody-Waite: ln2 split into a high part exact in float and a low correction.
        var r = xc - k * 0.693145751953125
        r = r - k * 1.428606765330187e-06
        var p = Vec(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let ki = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let k1 = ki &>> 1
        let k2 = ki &- k1
        let s1 = unsafeBitCast((k1 &+ 127) &<< 23, to: Vec.self)
        let s2 = unsafeBitCast((k2 &+ 127) &<< 23, to: Vec.self)
        return p * s1 * s2
    }

    /// erf(x) as an odd/even rational polynomial on [-4, 4] (erf is ±1 in Float beyond that).
    @inline(__always)
    public static func fastErf(_ x: Vec) -> Vec {
        let xc = clamp(x, -4, 4)
        let x2 = xc * xc
        var p = Vec(repeating: -2.72614225801306e-10)
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 + -2.10102402082508e-06
        p = p * x2 + -5.69250639462346e-05
        p = p * x2 + -7.34990630326855e-04
        p = p * x2 + -2.95459980854025e-03
        p = p * x2 + -1.60960333262415e-02
        p = p * xc
        var q = Vec(repeating: -1.45660718464996e-05)
        q = q * x2 + -2.13374055278905e-04
        q = q * x2 + -1.68282697438203e-03
        q = q * x2 + -7.37332916720468e-03
        q = q * x2 + -1.42647390514189e-02
        return p / q
    }

    /// tanh(x) = sign(x)·(1 − 2/(e^{2|x|} + 1)); for tiny |x| that subtraction loses digits, and
    /// tanh(x) ≈ x − x³/3 is used there.
    @inline(__always)
    public static func fastTanh(_ x: Vec) -> Vec {
        let ax = clamp(x.replacing(with: -x, where: x .< 0), 0, 20)
        let e = fastExp(2 * ax)
        var r = 1 - 2 / (e + 1)
        r.replace(with: ax - ax * ax * ax / 3, where: ax .< 0.0625)
        return r.replacing(with: -r, where: x .< 0)
    }

    /// Lane-wise clamp by compare-and-select (`clamped` and `pointwiseMin` scalarize to honor NaN
    /// ordering; here a NaN lane simply stays NaN).
    @inline(__always) static func clamp(_ x: Vec, _ lo: Float, _ hi: Float) -> Vec {
        var r = x
        r.replace(with: lo, where: x .< lo)
        r.replace(with: hi, where: x .> hi)
        return r
    }

    /// out[i] = f(inp[i]) over `count` floats, 16 at a time; the last partial vector is
    /// zero-padded. `out` may alias `inp`.
    @inline(__always)
    static func map16(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int, _ f: (Vec) -> Vec) {
        var i = 0
        while i + 16 <= count { store(f(load(inp + i)), out + i); i += 16 }
        if i < count {
            var v = Vec()
            for j in 0..<(count - i) { v[j] = inp[i + j] }
            let r = f(v)
            for j in 0..<(count - i) { out[i + j] = r[j] }
        }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vec {
        UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
    }
    @inline(__always) static func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
    }
}
