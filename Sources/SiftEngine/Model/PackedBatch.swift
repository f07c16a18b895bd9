/// A batch of variable-length sequences packed back to back (no padding): the engine's input.
///
/// Sequence b owns token rows `offsets[b]..<offsets[b+1]` of every [N, ...] tensor.
public struct PackedBatch: Sendable, Equatable {
    /// [N] token ids.
    public var ids: [Int32]
    /// [N] token type (segment) ids.
    public var typeIds: [Int32]
    /// [N] index of each token within its sequence (0..<T); the model's family maps it to a
    /// position-table row (RoBERTa adds `pad_token_id + 1`).
    public var positions: [Int32]
    /// [B+1] row offsets.
    public var offsets: [Int]
    /// [N] attention mask as floats (1 attend, 0 ignore) or nil when every token is real, the
    /// normal case for packed input. Only needed to reproduce padded inputs exactly.
    public var keyMask: [Float]?

    public var batchSize: Int { offsets.count - 1 }
    public var tokenCount: Int { ids.count }
    public var maxLength: Int { (0..<batchSize).map { offsets[$0 + 1] - offsets[$0] }.max() ?? 0 }
    public func length(_ b: Int) -> Int { offsets[b + 1] - offsets[b] }

    /// Packs sequences; `typeIds` default to 0, `attentionMasks` to all ones.
    public init(sequences: [[Int32]], typeIds: [[Int32]]? = nil, attentionMasks: [[Int32]]? = nil) throws {
        var ids: [Int32] = [], types: [Int32] = [], pos: [Int32] = [], offsets = [0]
        var mask: [Float]? = attentionMasks == nil ? nil : []
        let n = sequences.reduce(0) { $0 + $1.count }
        ids.reserveCapacity(n); types.reserveCapacity(n); pos.reserveCapacity(n)
        for (b, seq) in sequences.enumerated() {
            ids += seq
            if let typeIds {
                guard b < typeIds.count, typeIds[b].count == seq.count else {
                    throw EngineError.badInput("sequence \(b): token type ids do not match the \(seq.count) input ids")
                }
                types += typeIds[b]
            } else {
                types += repeatElement(0, count: seq.count)
            }
            if let attentionMasks {
                guard b < attentionMasks.count, attentionMasks[b].count == seq.count else {
                    throw EngineError.badInput("sequence \(b): attention mask does not match the \(seq.count) input ids")
                }
                mask! += attentionMasks[b].map { $0 != 0 ? 1 : 0 }
            }
            pos += (0..<Int32(seq.count)).map { $0 }
            offsets.append(ids.count)
        }
        self.ids = ids; self.typeIds = types; self.positions = pos; self.offsets = offsets; self.keyMask = mask
    }

    /// Checks ids against a config before any table is indexed with them.
    public func validate(_ config: BertConfig) throws {
        let limit = config.maxSequenceLength
        for b in 0..<batchSize where length(b) > limit {
            let why = limit == config.maxPositionEmbeddings ? "max_position_embeddings"
                : "max_position_embeddings \(config.maxPositionEmbeddings) less pad_token_id + 1"
            throw EngineError.badInput("sequence \(b) has \(length(b)) tokens; the model takes at most \(limit) (\(why)): truncate it")
        }
        for (i, id) in ids.enumerated() where id < 0 || Int(id) >= config.vocabSize {
            throw EngineError.badInput("token id \(id) at packed position \(i) is outside the vocabulary (0..<\(config.vocabSize))")
        }
        // A family without token types (DistilBERT) ignores them, as transformers does.
        guard config.family.hasTokenTypes else { return }
        for (i, t) in typeIds.enumerated() where t < 0 || Int(t) >= config.typeVocabSize {
            throw EngineError.badInput("token type id \(t) at packed position \(i) is outside 0..<\(config.typeVocabSize)")
        }
    }
}

extension PackedBatch {
    /// The sub-batch of sequences `range` (rows renumbered from 0).
    public func slice(sequences range: Range<Int>) -> PackedBatch {
        let lo = offsets[range.lowerBound], hi = offsets[range.upperBound]
        var sub = self
        sub.ids = Array(ids[lo..<hi]); sub.typeIds = Array(typeIds[lo..<hi]); sub.positions = Array(positions[lo..<hi])
        sub.offsets = offsets[range.lowerBound...range.upperBound].map { $0 - lo }
        sub.keyMask = keyMask.map { Array($0[lo..<hi]) }
        return sub
    }

    /// Consecutive sub-batches of whole sequences with at most `maxTokens` tokens each (a longer
    /// single sequence forms its own sub-batch). Dense layers cost the same per token either way,
    /// so callers use this to bound the activation workspace (memory) for long inputs.
    public func split(maxTokens: Int) -> [PackedBatch] {
        guard tokenCount > maxTokens, batchSize > 1 else { return [self] }
        var out: [PackedBatch] = []
        var first = 0
        while first < batchSize {
            var last = first + 1
            while last < batchSize && offsets[last + 1] - offsets[first] <= maxTokens { last += 1 }
            out.append(slice(sequences: first..<last))
            first = last
        }
        return out
    }
}
