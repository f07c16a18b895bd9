import Foundation

/// The sizes table (llm.c's `param_sizes`): every parameter of a model as (Hugging Face name,
/// shape, offset) inside ONE contiguous Float buffer. Gradients and AdamW moments allocate buffers
/// of `totalCount` and reuse these offsets, so the optimizer is one loop and saving is one write.
///
/// Names are exactly those of transformers' `BertModel` (`embeddings.word_embeddings.weight`,
/// `encoder.layer.0.attention.self.query.weight`, ..., `pooler.dense.weight`) plus
/// `classifier.weight`/`classifier.bias` for `BertForSequenceClassification`.
///
/// Order is chosen for speed, not alphabetically: in each layer query/key/value weights are
/// adjacent ([3C, C] in a row), and so are their biases ([3C]), so one sgemm computes Q, K and V.
public struct ParameterLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public let entries: [Entry]
    public let totalCount: Int
    private let index: [String: Int]

    public init(config: BertConfig, withPooler: Bool = true, numLabels: Int? = nil) {
        let C = config.hiddenSize, I = config.intermediateSize
        var list: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [config.vocabSize, C]),
            ("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, C]),
            ("embeddings.token_type_embeddings.weight", [config.typeVocabSize, C]),
            ("embeddings.LayerNorm.weight", [C]),
            ("embeddings.LayerNorm.bias", [C]),
        ]
        for l in 0..<config.numHiddenLayers {
            let p = "encoder.layer.\(l)."
            list += [
                (p + "attention.self.query.weight", [C, C]),
                (p + "attention.self.key.weight", [C, C]),
                (p + "attention.self.value.weight", [C, C]),
                (p + "attention.self.query.bias", [C]),
                (p + "attention.self.key.bias", [C]),
                (p + "attention.self.value.bias", [C]),
                (p + "attention.output.dense.weight", [C, C]),
                (p + "attention.output.dense.bias", [C]),
                (p + "attention.output.LayerNorm.weight", [C]),
                (p + "attention.output.LayerNorm.bias", [C]),
                (p + "intermediate.dense.weight", [I, C]),
                (p + "intermediate.dense.bias", [I]),
                (p + "output.dense.weight", [C, I]),
                (p + "output.dense.bias", [C]),
                (p + "output.LayerNorm.weight", [C]),
                (p + "output.LayerNorm.bias", [C]),
            ]
        }
        if withPooler {
            list += [("pooler.dense.weight", [C, C]), ("pooler.dense.bias", [C])]
        }
        if let numLabels {
            list += [("classifier.weight", [numLabels, C]), ("classifier.bias", [numLabels])]
        }
        var entries: [Entry] = []
        var offset = 0
        for (name, shape) in list {
            entries.append(Entry(name: name, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        self.entries = entries
        self.totalCount = offset
        self.index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    public subscript(name: String) -> Entry? { index[name].map { entries[$0] } }

    public var hasPooler: Bool { index["pooler.dense.weight"] != nil }
    public var numLabels: Int? { self["classifier.bias"]?.shape[0] }
}

/// One contiguous, 64-byte aligned Float buffer laid out by a `ParameterLayout`: the model's
/// parameters, or (same type, same layout) their gradients and AdamW's first and second moments.
public final class ParameterBuffer: @unchecked Sendable {
    public let layout: ParameterLayout
    /// All `layout.totalCount` floats. Owned by this object; freed in deinit.
    public let storage: UnsafeMutableBufferPointer<Float>

    /// A zero-filled buffer.
    public init(layout: ParameterLayout) {
        self.layout = layout
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, layout.totalCount) * 4, alignment: 64)
        let p = raw.bindMemory(to: Float.self, capacity: max(1, layout.totalCount))
        p.initialize(repeating: 0, count: max(1, layout.totalCount))
        storage = UnsafeMutableBufferPointer(start: p, count: layout.totalCount)
    }

    deinit { UnsafeMutableRawPointer(storage.baseAddress!).deallocate() }

    public var base: UnsafeMutablePointer<Float> { storage.baseAddress! }

    /// The slice for one named tensor (nil if the layout has no such name).
    public subscript(name: String) -> UnsafeMutableBufferPointer<Float>? {
        guard let e = layout[name] else { return nil }
        return UnsafeMutableBufferPointer(start: base + e.offset, count: e.count)
    }

    /// Pointer to a tensor that must exist (names used by the engine itself).
    @inline(__always)
    func ptr(_ name: String) -> UnsafeMutablePointer<Float> { base + layout[name]!.offset }

    public func zero() { storage.update(repeating: 0) }

    /// Copies values from another buffer with the same layout.
    public func copy(from other: ParameterBuffer) {
        precondition(other.layout.totalCount == layout.totalCount, "layouts differ")
        _ = storage.update(fromContentsOf: other.storage)
    }
}
