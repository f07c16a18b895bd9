import Foundation
import SiftData
import SiftTokenizers

/// How tokens are chosen and corrupted for masked-language-model training, as transformers'
/// `DataCollatorForLanguageModeling`: each candidate token is chosen with `probability`
/// (Bernoulli; special and padding tokens never), a chosen token becomes [MASK] with
/// `maskReplace`, a random vocabulary token with `randomReplace`, and stays itself otherwise;
/// only chosen tokens carry a label (the rest are `ParameterUpdate.ignoredLabel`, −100).
public struct MaskingOptions: Sendable, Equatable {
    public var probability = 0.15
    public var maskReplace = 0.8
    public var randomReplace = 0.1
    /// Choose whole words: a word's tokens are masked together. Words come from the offsets (a
    /// token continues a word when it starts where the previous one ended), and each CJK
    /// character is a word of its own.
    public var wholeWord = false

    public init(probability: Double = 0.15, maskReplace: Double = 0.8, randomReplace: Double = 0.1, wholeWord: Bool = false) {
        self.probability = probability; self.maskReplace = maskReplace; self.randomReplace = randomReplace; self.wholeWord = wholeWord
    }

    public func validate() throws {
        guard probability > 0 && probability < 1 else { throw TrainError.badOption("--mlm-probability must be in (0, 1), found \(probability)") }
        guard maskReplace >= 0, randomReplace >= 0, maskReplace + randomReplace <= 1 else {
            throw TrainError.badOption("the [MASK] and random-token shares must be non-negative and sum to at most 1, found \(maskReplace) and \(randomReplace)")
        }
    }
}

/// One tokenized line of a pretraining corpus: ids, which tokens are special, and the word each
/// token belongs to (for whole-word masking; −1 for special tokens).
public struct PretrainingItem: Sendable, Equatable {
    public var ids: [Int32]
    public var special: [Bool]
    public var words: [Int]

    public init(ids: [Int32], special: [Bool], words: [Int]) {
        self.ids = ids; self.special = special; self.words = words
    }

    /// From an encoding of `text`: words by the offset rule, CJK characters alone.
    public init(encoding e: Encoding, text: String) {
        let scalars = Array(text.unicodeScalars)
        ids = e.ids
        special = e.specialTokensMask.map { $0 != 0 }
        var words = [Int](repeating: -1, count: e.count)
        var word = -1, previousEnd = -1, previousCJK = false
        for i in 0..<e.count where !special[i] {
            let o = e.offsets[i]
            let cjk = o.start < scalars.count && scalars[o.start].isCJKIdeograph
            if word < 0 || o.start != previousEnd || cjk || previousCJK { word += 1 }
            words[i] = word
            previousEnd = o.end; previousCJK = cjk
        }
        self.words = words
    }
}

/// A masked copy of an item: the model's input ids and one label per token.
public struct MaskedItem: Sendable, Equatable {
    public var ids: [Int32]
    public var labels: [Int]
}

/// Masks items reproducibly: the draws for an item depend only on the seed, the epoch and the
/// item's index, so a resumed run masks exactly as an uninterrupted one (and validation, with a
/// fixed epoch, the same way every time).
public struct MaskingCollator: Sendable {
    public let options: MaskingOptions
    public let maskTokenId: Int32
    /// Random replacements are drawn uniformly from 0..<vocabSize (`len(tokenizer)`).
    public let vocabSize: Int

    public init(options: MaskingOptions, maskTokenId: Int32, vocabSize: Int) {
        self.options = options; self.maskTokenId = maskTokenId; self.vocabSize = vocabSize
    }

    public func mask(_ item: PretrainingItem, seed: UInt64, epoch: Int, index: Int) -> MaskedItem {
        var rng = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(epoch &+ 1) &* 0xD1B5_4A32_D192_ED03
                                  ^ UInt64(index &+ 1) &* 0xBF58_476D_1CE4_E5B9)
        func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        let n = item.ids.count
        var chosen = [Bool](repeating: false, count: n)
        if options.wholeWord {
            let wordCount = (item.words.max() ?? -1) + 1
            let pick = (0..<wordCount).map { _ in uniform() < options.probability }
            for i in 0..<n where !item.special[i] && item.words[i] >= 0 { chosen[i] = pick[item.words[i]] }
        } else {
            for i in 0..<n where !item.special[i] { chosen[i] = uniform() < options.probability }
        }
        var out = MaskedItem(ids: item.ids, labels: [Int](repeating: ParameterUpdate.ignoredLabel, count: n))
        let randomShare = options.randomReplace / max(1e-12, 1 - options.maskReplace)
        for i in 0..<n where chosen[i] {
            out.labels[i] = Int(item.ids[i])
            if uniform() < options.maskReplace {
                out.ids[i] = maskTokenId
            } else if uniform() < randomShare {
                out.ids[i] = Int32(rng.next() % UInt64(vocabSize))
            }
        }
        return out
    }
}
