import CBLASKernels
import COpenBLAS
import Foundation

/// Thin wrappers over OpenBLAS so the rest of the engine never spells CBLAS enums.
public enum BLAS {
    /// Number of threads OpenBLAS may use for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }

    /// The kernel family OpenBLAS runs (benchmarks print it).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The family OpenBLAS chose by itself when Sift replaced it before main with one matching the
    /// CPU's instruction sets (Debian's 0.3.21 picks SSE3 `Prescott` on some AVX-512 Xeons); nil
    /// when OpenBLAS's choice was kept. See Sources/CBLASKernels.
    public static var replacedCoreName: String? { sift_blas_replaced_core().map { String(cString: $0) } }

    /// "core Cooperlake" or "core Cooperlake (Sift's choice; OpenBLAS picked Prescott)".
    public static var coreDescription: String {
        guard let old = replacedCoreName else { return "core \(coreName)" }
        return "core \(coreName) (Sift's choice; OpenBLAS picked \(old))"
    }

    /// "CPU model, N cores; AVX-512 VNNI BF16 AMX …; OpenBLAS core X, N threads": what a benchmark ran on.
    public static var machineDescription: String {
        let cpu = CPUFeatures.current
        return "\(cpu.modelName), \(cpu.cores) cores; \(cpu.featureList); OpenBLAS \(coreDescription), \(threads) threads"
    }

    private static let singleLock = NSCondition()
    nonisolated(unsafe) private static var singleDepth = 0
    nonisolated(unsafe) private static var singleSaved = 1
    nonisolated(unsafe) private static var threadedUsers = 0

    /// Runs `body` with OpenBLAS single-threaded, for code that spreads its own work over cores
    /// (inference lanes, column-split sgemms, attention). Nested and concurrent callers (two
    /// models serving at once) share one switch: the first in sets 1 thread, the last out
    /// restores the previous count, so no caller ever sees another's setting mid-call. The
    /// count never flips while a `threaded` section (a backward pass on OpenBLAS's own threads)
    /// runs elsewhere: OpenBLAS crashes when its thread count changes under a running call.
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        singleLock.lock()
        if singleDepth == 0 {
            while threadedUsers > 0 { singleLock.wait() }
            singleSaved = threads; if singleSaved != 1 { threads = 1 }
        }
        singleDepth += 1
        singleLock.unlock()
        defer {
            singleLock.lock()
            singleDepth -= 1
            if singleDepth == 0 && singleSaved != 1 {
                while threadedUsers > 0 { singleLock.wait() }
                threads = singleSaved
            }
            singleLock.broadcast()
            singleLock.unlock()
        }
        return try body()
    }

    /// Runs `body` (BLAS calls at whatever thread count is set) with the count held: a
    /// concurrent `singleThreaded` waits to change it until `body` is done. `body` must not call
    /// `singleThreaded` itself (it would wait for its own section).
    public static func threaded<T>(_ body: () throws -> T) rethrows -> T {
        singleLock.lock()
        threadedUsers += 1
        singleLock.unlock()
        defer {
            singleLock.lock()
            threadedUsers -= 1
            singleLock.broadcast()
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
