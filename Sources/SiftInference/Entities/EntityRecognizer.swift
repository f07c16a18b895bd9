import SiftEngine
import SiftTokenizers

/// What `sift ner` and the entities route ask for.
public struct EntityOptions: Sendable, Equatable {
    public var aggregation: EntityAggregation
    /// Overlapping tokens between windows for texts longer than the model's length (Hugging
    /// Face's `stride`); nil truncates such texts as the pipeline does without a stride.
    public var stride: Int?
    /// Labels (`.none`) or groups dropped; nil is the pipeline's default, ["O"].
    public var ignoreLabels: Set<String>?

    public init(aggregation: EntityAggregation = .first, stride: Int? = nil, ignoreLabels: Set<String>? = nil) {
        self.aggregation = aggregation; self.stride = stride; self.ignoreLabels = ignoreLabels
    }
}

/// A token-classification folder's text → windows → entities, shared by the CLI and the server:
/// the tokenizer's windows (with offsets), the classifier's scores per window, the pipeline's grouping.
public struct EntityRecognizer: Sendable {
    public let classifier: TokenClassifier
    public let tokenizer: Tokenizer
    public let maxLength: Int
    public let grouper: EntityGrouper

    public init(classifier: TokenClassifier, encoder: TextEncoder) {
        self.classifier = classifier
        tokenizer = encoder.tokenizer
        maxLength = encoder.maxLength
        grouper = EntityGrouper(labels: classifier.labels, decoder: encoder.tokenizer.decoder, unkTokenId: encoder.tokenizer.unkTokenId)
    }

    /// Refuses a stride that leaves no new tokens per window (Hugging Face raises too).
    public func validate(_ options: EntityOptions) throws {
        guard let stride = options.stride else { return }
        let room = maxLength - (tokenizer.postProcessor?.addedTokens(isPair: false) ?? 0)
        guard stride >= 0, stride < room else {
            throw InferenceError.badInput("stride \(stride) must be at least 0 and below the \(room) text tokens of a window (max length \(maxLength))")
        }
    }

    /// The windows the model sees for one text: the truncated encoding, plus its overflowing
    /// windows when a stride is set.
    public func windows(_ text: String, options: EntityOptions) -> [Encoding] {
        let o = EncodeOptions(addSpecialTokens: true, maxLength: maxLength, truncation: .longestFirst, stride: options.stride ?? 0)
        let e = tokenizer.encode(text, options: o)
        guard options.stride != nil else { var first = e; first.overflowing = []; return [first] }
        var first = e
        first.overflowing = []
        return [first] + e.overflowing
    }

    /// Entities of one text from its windows' scores.
    public func entities(_ text: String, windows: [Encoding], scores: [TokenScores], options: EntityOptions) -> [Entity] {
        grouper.entities(text: Array(text.unicodeScalars), windows: windows, scores: scores,
                         aggregation: options.aggregation, ignoreLabels: options.ignoreLabels)
    }

    /// Encoded model inputs of windows (ids and token types).
    public static func inputs(_ windows: [Encoding]) -> [EncodedText] {
        windows.map { EncodedText(ids: $0.ids, typeIds: $0.typeIds) }
    }
}
