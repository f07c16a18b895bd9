import COpenBLAS
import Foundation

/// Thin wrappers over OpenBLAS so the rest of the engine never spells CBLAS enums.
public enum BLAS {
    /// Number of threads OpenBLAS may use for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }

    private static let singleLock = NSLock()
    nonisolated(unsafe) private static var singleDepth = 0
    nonisolated(unsafe) private static var singleSaved = 1

    /// Runs `body` with OpenBLAS single-threaded, for code that spreads its own work over cores
    /// (inference lanes, column-split sgemms, attention). Nested and concurrent callers (two
    /// models serving at once) share one switch: the first in sets 1 thread, the last out
    /// restores the previous count, so no caller ever sees another's setting mid-call.
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        singleLock.lock()
        if singleDepth == 0 { singleSaved = threads; if singleSaved != 1 { threads = 1 } }
        singleDepth += 1
        singleLock.unlock()
        defer {
            singleLock.lock()
            singleDepth -= 1
            if singleDepth == 0 && singleSaved != 1 { threads = singleSaved }
            singleLock.unlock()
        }
        return try body()
    }

    /// C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C, row-major.
    @inlinable
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans,
                    transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
