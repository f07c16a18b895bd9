import Foundation

/// Hugging Face's `decoders.WordPiece`: tokens back to text, what `convert_tokens_to_string` does
/// for BERT tokenizers (the token-classification pipeline builds entity words with it). A token
/// after the first loses the continuing-subword prefix or gains a leading space; with `cleanup`,
/// each token then gets `tokenizers`' English clean-up (" ." → "." …), token by token as Rust does.
public struct WordPieceDecoder: Sendable, Equatable {
    public var prefix: String
    public var cleanup: Bool

    public init(prefix: String = "##", cleanup: Bool = true) {
        self.prefix = prefix; self.cleanup = cleanup
    }

    public func decode(_ tokens: [String]) -> String {
        var out = ""
        for (i, token) in tokens.enumerated() {
            var t = token
            if i != 0 {
                if !prefix.isEmpty, t.hasPrefix(prefix) { t.removeFirst(prefix.count) } else { t = " " + t }
            }
            out += cleanup ? Self.cleanUp(t) : t
        }
        return out
    }

    /// `tokenizers::decoders::wordpiece::cleanup`, in its order.
    static func cleanUp(_ s: String) -> String {
        var s = s
        for (a, b) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
                       (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] where s.contains(a) {
            s = s.replacingOccurrences(of: a, with: b)
        }
        return s
    }
}
