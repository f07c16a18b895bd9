import Foundation

/// SentencePiece's precompiled normalization map (`Precompiled` in tokenizer.json).
public struct PrecompiledCharsMap: Sendable, Equatable {
    public init(_ bytes: [UInt8]) throws(TokenizerError) {}
    func normalize(_ input: UnsafeBufferPointer<UInt32>, range: Range<Int>,
                   into out: inout [UInt32], origin: inout [Int32], scratch: inout NormalizerScratch) {
        Normalizer.copy(input, range, &out, &origin)
    }
}
