/// One text as the model takes it, tokenized once: the (truncated) ids and token types, and how
/// long it was before truncation, so a `truncate: false` check, the batcher's token budget and
/// the forward pass all read the same encoding.
public struct EncodedText: Sendable, Equatable {
    /// [T] token ids, special tokens included, at most the encoder's max length.
    public var ids: [Int32]
    /// [T] token type (segment) ids.
    public var typeIds: [Int32]
    /// Tokens before truncation, special tokens included.
    public var fullLength: Int

    /// `typeIds` default to zeros, `fullLength` to `ids.count` (an encoding that was not cut).
    public init(ids: [Int32], typeIds: [Int32]? = nil, fullLength: Int? = nil) {
        self.ids = ids
        self.typeIds = typeIds ?? [Int32](repeating: 0, count: ids.count)
        self.fullLength = fullLength ?? ids.count
    }

    /// Tokens the model sees (after truncation): the unit of the batch budget.
    public var count: Int { ids.count }
    public var isTruncated: Bool { fullLength > ids.count }
}
