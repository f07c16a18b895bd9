extension Ops {
    /// Exact GELU (PyTorch `nn.GELU()`, HF "gelu"): 0.5·x·(1 + erf(x/√2)).
    /// - out [count], inp [count] (may alias).
    public static func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        map16(out: out, inp: inp, count: count) { x in 0.5 * x * (1 + fastErf(x * 0.70710678118654752)) }
    }

    /// Tanh GELU (HF "gelu_new"): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    /// - out [count], inp [count] (may alias).
    public static func geluNewForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        map16(out: out, inp: inp, count: count) { x in 0.5 * x * (1 + fastTanh(0.7978845608028654 * (x + 0.044715 * x * x * x))) }
    }

    /// ReLU. - out [count], inp [count] (may alias).
    public static func reluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = max(inp[i], 0) }
    }

    /// tanh, the pooler's activation. - out [count], inp [count] (may alias).
    public static func tanhForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        map16(out: out, inp: inp, count: count) { fastTanh($0) }
    }

    /// Dispatches on `hidden_act`. - out [count], inp [count].
    public static func activationForward(_ act: HiddenAct, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        switch act {
        case .gelu: geluForward(out: out, inp: inp, count: count)
        case .geluNew: geluNewForward(out: out, inp: inp, count: count)
        case .relu: reluForward(out: out, inp: inp, count: count)
        }
    }

    /// `activationForward` split over `workers` threads.
    public static func activationForward(_ act: HiddenAct, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                         count: Int, workers: Int) {
        Parallel.chunks(count, workers: workers, align: 16, minPerWorker: 2048) { lo, hi in
            activationForward(act, out: out + lo, inp: inp + lo, count: hi - lo)
        }
    }
}
