/// Which number an attribution explains.
public enum AttributionOutput: String, CaseIterable, Codable, Sendable {
    /// The label's score as reported (softmax, or sigmoid for multi-label): what users see.
    case probability
    /// The label's raw logit.
    case logit
}

/// How an explanation was computed.
public enum AttributionMethod: String, CaseIterable, Codable, Sendable {
    /// Integrated Gradients over the embeddings' output (Captum's `LayerIntegratedGradients`).
    case integratedGradients = "integrated-gradients"
    /// Leave one word out: the score's drop without each word.
    case occlusion
}

/// A share of the explained score, for a token or a word, with its code-point span in the text.
public struct Attribution: Sendable, Equatable, Codable {
    public var text: String
    public var start: Int
    public var end: Int
    public var attribution: Float
}

/// Why a classifier gave a text a label.
public struct Explanation: Sendable, Equatable {
    public var method: AttributionMethod
    public var output: AttributionOutput
    /// The label explained (index and name) and the model's value for it on the text.
    public var target: Int
    public var label: String
    public var score: Float
    /// Per token, special tokens included (Integrated Gradients only; L2-normalized over the tokens).
    public var tokens: [Attribution]
    /// Per word (the tokenizer's words): the sum of its tokens' normalized attributions, or its
    /// occlusion drop.
    public var words: [Attribution]
    /// Integrated Gradients' completeness gap: Σ attributions − (f(input) − f(baseline)).
    public var convergenceDelta: Float?
}
