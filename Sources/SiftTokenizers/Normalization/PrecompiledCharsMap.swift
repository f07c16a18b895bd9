import Foundation

/// SentencePiece's precompiled normalization map (`Precompiled` in tokenizer.json, XLM-R and
/// multilingual-e5 use it). NOT IMPLEMENTED YET: the map is read but text passes through
/// unchanged, so characters it would rewrite (full-width forms, compatibility characters) can
/// tokenize differently from Hugging Face's; loading says so on standard error.
public struct PrecompiledCharsMap: Sendable, Equatable {
    public init(_ bytes: [UInt8]) throws(TokenizerError) {}

    func normalize(_ input: UnsafeBufferPointer<UInt32>, range: Range<Int>,
                   into out: inout [UInt32], origin: inout [Int32], scratch: inout NormalizerScratch) {
        Normalizer.copy(input, range, &out, &origin)
    }

    private static let warned = NSLock()
    nonisolated(unsafe) private static var warnedFiles: Set<String> = []

    /// One line on standard error per tokenizer file loaded with this placeholder.
    static func warnPassThrough(file: String) {
        warned.lock(); defer { warned.unlock() }
        guard warnedFiles.insert(file).inserted else { return }
        FileHandle.standardError.write(Data(("warning: \(file): the Precompiled normalizer is not implemented yet; "
            + "text is not normalized by it, so ids can differ from Hugging Face's for characters it rewrites "
            + "(e.g. full-width punctuation)\n").utf8))
    }
}
