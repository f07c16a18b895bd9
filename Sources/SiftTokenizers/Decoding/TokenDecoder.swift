/// The `decoder` of a tokenizer.json: tokens back to text (`convert_tokens_to_string`).
public enum TokenDecoder: Sendable, Equatable {
    case wordPiece(WordPieceDecoder)
    case metaspace(MetaspaceDecoder)
    case byteLevel(ByteLevelDecoder)
    /// No decoder: Hugging Face joins the tokens with spaces.
    case none

    public func decode(_ tokens: [String]) -> String {
        switch self {
        case .wordPiece(let d): return d.decode(tokens)
        case .metaspace(let d): return d.decode(tokens)
        case .byteLevel(let d): return d.decode(tokens)
        case .none: return tokens.joined(separator: " ")
        }
    }
}

/// Hugging Face `decoders.Metaspace`: the replacement character becomes a space, and the first
/// token loses the leading one the pre-tokenizer prepended (unless the scheme is `never`).
public struct MetaspaceDecoder: Sendable, Equatable {
    public var replacement: Unicode.Scalar
    public var prependScheme: Metaspace.PrependScheme

    public init(replacement: Unicode.Scalar = "\u{2581}", prependScheme: Metaspace.PrependScheme = .always) {
        self.replacement = replacement; self.prependScheme = prependScheme
    }

    public func decode(_ tokens: [String]) -> String {
        var out = String.UnicodeScalarView()
        for (i, token) in tokens.enumerated() {
            for (k, s) in token.unicodeScalars.enumerated() {
                if s == replacement {
                    if i == 0 && k == 0 && prependScheme != .never { continue }
                    out.append(" ")
                } else {
                    out.append(s)
                }
            }
        }
        return String(out)
    }
}
