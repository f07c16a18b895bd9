import RealModule

extension Backward {
    /// GELU, exact form (`hidden_act: gelu`): y = x·Φ(x), dy/dx = Φ(x) + x·φ(x).
    @inlinable
    public static func gelu<T: GradScalar>(dinp: UnsafeMutablePointer<T>, dout: UnsafePointer<T>,
                                           inp: UnsafePointer<T>, count: Int) {
        if T.self == Float.self {
            // Training's path: 16 lanes with fastErf/fastExp (libm's erff was ~4% of a step).
            return geluFloat(dinp: UnsafeMutableRawPointer(dinp).assumingMemoryBound(to: Float.self),
                             dout: UnsafeRawPointer(dout).assumingMemoryBound(to: Float.self),
                             inp: UnsafeRawPointer(inp).assumingMemoryBound(to: Float.self), count: count)
        }
        let invSqrt2: T = 0.70710678118654752440
        let invSqrt2Pi: T = 0.39894228040143267794
        for i in 0..<count {
            let x = inp[i]
            let cdf = 0.5 * (1 + T.erf(x * invSqrt2))
            let pdf = invSqrt2Pi * T.exp(-0.5 * x * x)
            dinp[i] += dout[i] * (cdf + x * pdf)
        }
    }

    /// `gelu` in Float, vectorized; the Double path above stays exact for the gradient checks.
    @usableFromInline
    static func geluFloat(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                          inp: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let x = Ops.load(inp + i)
            let cdf = 0.5 * (1 + Ops.fastErf(x * 0.70710678118654752440))
            let pdf = 0.39894228040143267794 * Ops.fastExp(-0.5 * x * x)
            Ops.store(Ops.load(dinp + i) + Ops.load(dout + i) * (cdf + x * pdf), dinp + i)
            i += 16
        }
        for j in i..<count {
            let x = inp[j]
            let cdf = 0.5 * (1 + Ops.fastErf(x * 0.70710678118654752440))
            let pdf = 0.39894228040143267794 * Ops.fastExp(-0.5 * x * x)
            dinp[j] += dout[j] * (cdf + x * pdf)
        }
    }

    /// GELU, tanh approximation (`hidden_act: gelu_new`):
    /// y = ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³).
    @inlinable
    public static func geluTanh<T: GradScalar>(dinp: UnsafeMutablePointer<T>, dout: UnsafePointer<T>,
                                               inp: UnsafePointer<T>, count: Int) {
        let s: T = 0.79788456080286535588  // √(2/π)
        let c: T = 0.044715
        for i in 0..<count {
            let x = inp[i]
            let t = T.tanh(s * (x + c * x * x * x))
            let du = s * (1 + 3 * c * x * x)
            dinp[i] += dout[i] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        }
    }

    /// ReLU (`hidden_act: relu`): gradient passes where the input was positive.
    @inlinable
    public static func relu<T: GradScalar>(dinp: UnsafeMutablePointer<T>, dout: UnsafePointer<T>,
                                           inp: UnsafePointer<T>, count: Int) {
        for i in 0..<count where inp[i] > 0 { dinp[i] += dout[i] }
    }

    /// tanh given its OUTPUT y (the pooler keeps tanh(dense(CLS))): dy/dx = 1 − y².
    @inlinable
    public static func tanh<T: GradScalar>(dinp: UnsafeMutablePointer<T>, dout: UnsafePointer<T>,
                                           out: UnsafePointer<T>, count: Int) {
        for i in 0..<count { dinp[i] += dout[i] * (1 - out[i] * out[i]) }
    }
}
