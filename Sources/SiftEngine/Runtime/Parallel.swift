import Dispatch

/// Runs `body(0..<n)` on Dispatch's worker pool and returns when all are done.
///
/// The kernels hand raw pointers to disjoint slices to each worker; Swift cannot prove the
/// disjointness, so the closure is boxed as unchecked-Sendable here, in one place.
public enum Parallel {
    private struct Box<T>: @unchecked Sendable { let value: T }

    public static func run(_ n: Int, _ body: (Int) -> Void) {
        if n <= 1 { if n == 1 { body(0) }; return }
        withoutActuallyEscaping(body) { escaping in
            let box = Box(value: escaping)
            DispatchQueue.concurrentPerform(iterations: n) { box.value($0) }
        }
    }
}

extension Parallel {
    /// Splits 0..<count into `workers` contiguous chunks (boundaries multiples of `align`, so each
    /// chunk keeps whole SIMD vectors or whole rows) and runs `body(lo, hi)` on each. Work too
    /// small to pay for waking a thread (under `minPerWorker` items a chunk) runs on the caller.
    public static func chunks(_ count: Int, workers: Int, align: Int = 1, minPerWorker: Int = 1, _ body: (Int, Int) -> Void) {
        let units = (count + align - 1) / align
        let w = max(1, min(workers, units, count / max(1, minPerWorker)))
        if w == 1 { if count > 0 { body(0, count) }; return }
        run(w) { k in
            let lo = min(count, units * k / w * align), hi = min(count, units * (k + 1) / w * align)
            if hi > lo { body(lo, hi) }
        }
    }
}
