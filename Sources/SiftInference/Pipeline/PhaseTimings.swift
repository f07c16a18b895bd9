/// Where one request's time went, phase by phase (text-embeddings-inference's tokenization /
/// queue / inference split): exported as metrics and response headers.
public struct PhaseTimings: Sendable, Equatable {
    /// Turning the request's texts into encodings, on the request's own task.
    public var tokenize: Duration
    /// From joining the queue to its batch's forward pass starting.
    public var queue: Duration
    /// The forward pass (and heads) of the batch the request ran in.
    public var inference: Duration

    public init(tokenize: Duration = .zero, queue: Duration = .zero, inference: Duration = .zero) {
        self.tokenize = tokenize; self.queue = queue; self.inference = inference
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
