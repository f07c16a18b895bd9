/// Hugging Face `decoders.ByteLevel`: each token's characters back to the bytes they spell (a token
/// with any character outside GPT-2's byte alphabet, such as an added token typed as text, gives its
/// own UTF-8 bytes), all tokens' bytes joined and read as UTF-8, an invalid sequence becoming U+FFFD
/// as Rust's `String::from_utf8_lossy` does (maximal subparts, which Swift's decoding also follows).
public struct ByteLevelDecoder: Sendable, Equatable {
    public init() {}

    public func decode(_ tokens: [String]) -> String {
        var bytes: [UInt8] = []
        let map = ByteLevel.charToByte
        for t in tokens {
            let start = bytes.count
            var inAlphabet = true
            for s in t.unicodeScalars {
                guard let b = map[s.value] else { inAlphabet = false; break }
                bytes.append(b)
            }
            if !inAlphabet {
                bytes.removeSubrange(start...)
                bytes.append(contentsOf: t.utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
