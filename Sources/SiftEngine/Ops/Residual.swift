extension Ops {
    /// out = a + b (the residual connections). - out [count], a [count], b [count]; out may alias a or b.
    public static func residualForward(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }
}
