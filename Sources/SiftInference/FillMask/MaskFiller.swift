import Foundation
import SiftEngine
import SiftTokenizers

/// One candidate for a [MASK], in the shape of transformers' `fill-mask` pipeline output.
public struct FillMaskPrediction: Codable, Sendable, Equatable {
    /// Softmax probability over the whole vocabulary.
    public var score: Double
    public var token: Int
    /// The token decoded on its own (`tokenizer.decode([token])`).
    public var tokenStr: String
    /// The text with this token in the mask's place, decoded as the pipeline does.
    public var sequence: String

    enum CodingKeys: String, CodingKey {
        case score, token, sequence
        case tokenStr = "token_str"
    }
}

/// `sift fill-mask`: a `…ForMaskedLM` folder's top-k tokens for each [MASK] of a text, with the
/// `fill-mask` pipeline's semantics: softmax over the vocabulary at each mask, the k most
/// probable, and the sequence decoded with special tokens skipped when the text has one mask
/// (kept when it has several, so the other masks stay visible).
public final class MaskFiller: Sendable {
    public let model: BertModel
    public let tokenizer: Tokenizer
    let head: MaskedLMHead
    let maskTokenId: Int32
    /// `all_special_ids`: what decoding skips.
    let specialIds: Set<Int32>

    public init(directory: URL) throws {
        let (model, headLoaded) = try BertModel.loadMaskedLM(directory: directory)
        guard headLoaded else {
            throw InferenceError.badInput("\(directory.appendingPathComponent("model.safetensors").path): no masked-language-model head (no \(model.naming.name(of: .maskedLM(.decoderBias)))); fill-mask needs a …ForMaskedLM folder, e.g. one `sift pretrain` wrote")
        }
        let tokenizer = try Tokenizer(directory: directory)
        guard let mask = tokenizer.id(for: "[MASK]") ?? tokenizer.id(for: "<mask>") else {
            throw InferenceError.badInput("\(directory.path): the tokenizer has no mask token ([MASK] or <mask>)")
        }
        self.model = model
        self.tokenizer = tokenizer
        head = try MaskedLMHead(model: model)
        maskTokenId = mask
        var special = Set(tokenizer.addedTokens.filter(\.special).map(\.id))
        special.formUnion([tokenizer.unkTokenId, tokenizer.clsTokenId, tokenizer.sepTokenId, tokenizer.padTokenId, mask])
        specialIds = special
    }

    /// The mask token's text (`[MASK]` for BERT).
    public var maskToken: String { tokenizer.token(for: maskTokenId) ?? "[MASK]" }

    /// Top `k` per mask, in the order the masks appear.
    public func fill(_ text: String, topK k: Int = 5) throws -> [[FillMaskPrediction]] {
        guard k >= 1 else { throw InferenceError.badInput("--top-k must be at least 1") }
        let encoding = tokenizer.encode(text, options: EncodeOptions(maxLength: model.config.maxSequenceLength))
        let ids = encoding.ids
        let rows = ids.indices.filter { ids[$0] == maskTokenId }
        guard !rows.isEmpty else {
            throw InferenceError.badInput("no \(maskToken) in the text\(encoding.overflowing.isEmpty ? "" : " (or it lies beyond the \(model.config.maxSequenceLength) tokens the model reads)")")
        }
        let batch = try PackedBatch(sequences: [ids], typeIds: [encoding.typeIds])
        let acts = model.makeActivations(workers: 1)
        try model.forward(batch, acts: acts)
        let pass = head.forward(model: model, hidden: acts.lastHidden, rows: rows)
        let V = head.vocabSize
        return rows.enumerated().map { m, position in
            let z = pass.logits[(m * V)..<((m + 1) * V)]
            let top = z.max() ?? 0
            var total = 0.0
            for v in z { total += Foundation.exp(Double(v - top)) }
            let best = Self.topK(z, k: min(k, V))
            return best.map { id in
                var filled = ids
                filled[position] = Int32(id)
                let shown = filled.filter { $0 != tokenizer.padTokenId && (rows.count > 1 || !specialIds.contains($0)) }
                return FillMaskPrediction(score: Foundation.exp(Double(z[z.startIndex + id] - top)) / total, token: id,
                                          tokenStr: decode([Int32(id)]), sequence: decode(shown))
            }
        }
    }

    func decode(_ ids: [Int32]) -> String { tokenizer.decoder.decode(ids.map { tokenizer.token(for: $0) ?? "" }) }

    /// Indices of the k largest values, largest first (ties: the lower index first).
    static func topK(_ z: ArraySlice<Float>, k: Int) -> [Int] {
        var best: [(Float, Int)] = []
        best.reserveCapacity(k + 1)
        for (i, v) in z.enumerated() {
            if best.count == k, let last = best.last, v <= last.0 { continue }
            let at = best.firstIndex { v > $0.0 } ?? best.count
            best.insert((v, i), at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map(\.1)
    }
}
