import COpenBLAS
import RealModule

// Backward kernels (llm.c style): each `fooBackward` ADDS into its gradient outputs, never
// overwrites them, so one `zero()` per step clears everything and gradient accumulation is free.
// A nil gradient pointer means "frozen / not needed": that work is skipped.
//
// The kernels are generic over `GradScalar` (Float and Double): training runs them in Float;
// the finite-difference tests run the very same code in Double, where central differences are
// accurate to ~1e-8, so a wrong derivative cannot hide behind fp32 noise.
// Shape letters: N rows (tokens), C channels, OC output channels, T sequence length,
// NH heads, HS head size (C = NH*HS), B batch, K classes.

/// Scalars the backward kernels run in: Float (training) and Double (gradient checks).
/// The elementary functions (`T.exp`, `T.erf`, `T.tanh`, ...) come from swift-numerics' `Real`
/// (libm's expf/exp etc., the same calls as before); only the matrix product is ours, since it
/// dispatches to OpenBLAS's sgemm or dgemm.
public protocol GradScalar: Real, BinaryFloatingPoint, Sendable {
    /// C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C, row-major (sgemm / dgemm).
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     alpha: Self, a: UnsafePointer<Self>, lda: Int,
                     b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: GradScalar {
    @inlinable public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                                       alpha: Float, a: UnsafePointer<Float>, lda: Int,
                                       b: UnsafePointer<Float>, ldb: Int,
                                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension Double: GradScalar {
    @inlinable public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                                       alpha: Double, a: UnsafePointer<Double>, lda: Int,
                                       b: UnsafePointer<Double>, ldb: Int,
                                       beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// Namespace of the hand-written backward kernels (one file per op: `Ops/<Op>+Backward.swift`).
public enum Backward {}
