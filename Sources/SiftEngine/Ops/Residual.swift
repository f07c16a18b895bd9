extension Ops {
    /// out = a + b (the residual connections). - out [count], a [count], b [count]; out may alias a or b.
    public static func residualForward(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    /// `residualForward` split over `workers` threads.
    public static func residualForward(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                       count: Int, workers: Int) {
        Parallel.chunks(count, workers: workers, align: 16, minPerWorker: 4096) { lo, hi in
            residualForward(out: out + lo, a: a + lo, b: b + lo, count: hi - lo)
        }
    }
}
