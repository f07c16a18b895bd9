/// How to cut a text or a pair down to `maxLength` tokens (special tokens included).
public enum TruncationStrategy: String, Sendable, CaseIterable, Codable {
    /// Remove from the longer sequence first (Hugging Face `longest_first`).
    case longestFirst = "longest_first"
    case onlyFirst = "only_first"
    case onlySecond = "only_second"
    case doNotTruncate = "do_not_truncate"
}

public enum PaddingStrategy: Sendable, Equatable {
    case none
    /// Pad every encoding of a batch to the longest one.
    case longest
    /// Pad every encoding to this many tokens.
    case fixed(Int)
}

public struct EncodeOptions: Sendable, Equatable {
    public var addSpecialTokens = true
    /// Total tokens including special tokens; `nil` keeps everything.
    public var maxLength: Int? = nil
    public var truncation: TruncationStrategy = .longestFirst
    /// Tokens of overlap between consecutive overflowing windows.
    public var stride = 0
    public var padding: PaddingStrategy = .none

    public init(addSpecialTokens: Bool = true, maxLength: Int? = nil, truncation: TruncationStrategy = .longestFirst,
                stride: Int = 0, padding: PaddingStrategy = .none) {
        self.addSpecialTokens = addSpecialTokens
        self.maxLength = maxLength
        self.truncation = truncation
        self.stride = stride
        self.padding = padding
    }
}
