/// What happens to a text longer than the model's length.
public enum LongTextMode: String, CaseIterable, Codable, Sendable {
    /// Keep the first tokens (Hugging Face's default).
    case truncate
    /// Keep the first quarter and the last three quarters of the room (Sun et al. 2019, "How to
    /// fine-tune BERT for text classification": head 128 + tail 382 of 512 did best).
    case headTail = "head-tail"
    /// Overlapping windows over the whole text, each classified, the scores combined.
    case window
}

/// How the windows' scores become the text's.
public enum WindowAggregation: String, CaseIterable, Codable, Sendable {
    /// The mean of each label's score (probabilities, or per-label sigmoids for multi-label).
    case mean
    /// Each label's highest score over the windows ("mentioned anywhere").
    case max
}

public struct LongTextOptions: Sendable, Equatable {
    public var mode: LongTextMode
    /// Tokens shared by consecutive windows (Hugging Face's `stride`).
    public var stride: Int
    public var aggregation: WindowAggregation
    /// At most this many windows per text (the first ones); bounds the cost of a huge text.
    public var maxWindows: Int

    public init(mode: LongTextMode = .truncate, stride: Int = 32, aggregation: WindowAggregation = .mean, maxWindows: Int = 16) {
        self.mode = mode; self.stride = stride; self.aggregation = aggregation; self.maxWindows = maxWindows
    }

    public static let truncate = LongTextOptions()
}
