// Branch-free exp/erf/tanh over Float so that the elementwise loops auto-vectorize; libm's
// expf/erff are scalar calls and would cost as much as the matrix multiplies at MiniLM's size.
// Accuracy (checked against libm in FastMathTests): exp relative error < 2e-7, erf absolute < 3e-7.

extension Ops {
    /// e^x via x = k·ln2 + r, |r| <= ln2/2, a degree-6 polynomial for e^r, and 2^k by exponent bits.
    @inline(__always)
    public static func fastExp(_ x: Float) -> Float {
        let xc = min(max(x, -87.33654), 88.72283)
        let k = (xc * 1.442695041).rounded(.toNearestOrEven)
        // Cody-Waite: ln2 split into a high part exact in float and a low correction.
        var r = xc - k * 0.693145751953125
        r = r - k * 1.428606765330187e-06
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2^k without a trapping Float->Int conversion (so loops vectorize): adding 1.5·2^23 puts
        // k in the low mantissa bits. k is in [-126, 128]; split it so each factor stays normal.
        let ki = Int32(bitPattern: (k + 12582912).bitPattern) &- 0x4B40_0000
        let k1 = ki &>> 1
        let k2 = ki &- k1
        let s1 = Float(bitPattern: UInt32(bitPattern: (k1 &+ 127) &<< 23))
        let s2 = Float(bitPattern: UInt32(bitPattern: (k2 &+ 127) &<< 23))
        return p * s1 * s2
    }

    /// erf(x) as an odd/even rational polynomial on [-4, 4] (erf is ±1 in Float beyond that).
    @inline(__always)
    public static func fastErf(_ x: Float) -> Float {
        let xc = min(max(x, -4), 4)
        let x2 = xc * xc
        var p: Float = -2.72614225801306e-10
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 + -2.10102402082508e-06
        p = p * x2 + -5.69250639462346e-05
        p = p * x2 + -7.34990630326855e-04
        p = p * x2 + -2.95459980854025e-03
        p = p * x2 + -1.60960333262415e-02
        p = p * xc
        var q: Float = -1.45660718464996e-05
        q = q * x2 + -2.13374055278905e-04
        q = q * x2 + -1.68282697438203e-03
        q = q * x2 + -7.37332916720468e-03
        q = q * x2 + -1.42647390514189e-02
        return p / q
    }

    /// tanh(x) = sign(x)·(1 − 2/(e^{2|x|} + 1)), accurate near 0 through the expm1-free form below.
    @inline(__always)
    public static func fastTanh(_ x: Float) -> Float {
        let ax = min(abs(x), 20)
        let e = fastExp(2 * ax)
        let t = 1 - 2 / (e + 1)
        // For tiny |x| the subtraction loses digits; tanh(x) ≈ x − x³/3 there.
        let small = ax - ax * ax * ax / 3
        let r = ax < 0.0625 ? small : t
        return x < 0 ? -r : r
    }
}

// The same functions over 16 lanes, for the hot elementwise loops (GELU, softmax, tanh): written
// with SIMD16 because the scalar loops above do not auto-vectorize (min/max and the Float→Int
// bit tricks keep LLVM scalar), and a scalar GELU cost ~9% of a MiniLM forward.
extension Ops {
    public typealias Vec = SIMD16<Float>

    /// 16-lane `fastExp` (round-to-nearest by the 1.5·2^23 trick instead of `rounded`, equal
    /// for |x·log2 e| < 2^22, which the clamp guarantees).
    @inline(__always)
    public static func fastExp(_ x: Vec) -> Vec {
        let xc = clamp(x, -87.33654, 88.72283)
        let magic = Vec(repeating: 12582912)
        let shifted = xc * 1.442695041 + magic
        let k = shifted - magic
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

    /// 16-lane `fastErf`.
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

    /// 16-lane `fastTanh`.
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

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vec {
        UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
    }
    @inline(__always) static func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
    }
}
