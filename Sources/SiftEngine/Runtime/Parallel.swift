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
