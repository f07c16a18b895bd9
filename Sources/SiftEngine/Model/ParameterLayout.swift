import Foundation

/// The sizes table (llm.c's `param_sizes`): every parameter of a model as (what it is, checkpoint
/// name, shape, offset) inside ONE contiguous Float buffer. Gradients and AdamW moments allocate
/// buffers of `totalCount` and reuse these offsets, so the optimizer is one loop and saving is one
/// write.
///
/// Each entry says what the tensor is (`TensorID`: part of the model and role) and under which
/// name the checkpoint stores it. Names come from a `CheckpointNaming` (for BERT exactly those of
/// transformers' `BertModel`: `embeddings.word_embeddings.weight`, ...,
/// `encoder.layer.0.attention.self.query.weight`, ..., plus `classifier.*` of
/// `BertForSequenceClassification`) and are read only where weights are loaded and saved; the
/// engine itself works on the typed views of `BertWeights`.
///
/// Order is chosen for speed, not alphabetically: in each layer query/key/value weights are one
/// fused [3C, C] range and their biases one [3C] range, so one sgemm computes Q, K and V; the three
/// checkpoint tensors are entries inside those ranges.
public struct ParameterLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// What the tensor is: selects its view, whether it trains and whether it decays.
        public var id: TensorID
        /// The checkpoint name (load and save only).
        public var name: String
        public var shape: [Int]
        public var offset: Int
        public var count: Int { shape.reduce(1, *) }
        public var part: ModelPart { id.part }
        public var role: TensorRole { id.role }
        public var slice: TensorSlice { TensorSlice(offset: offset, shape: shape) }
    }

    public let entries: [Entry]
    public let totalCount: Int
    private let byName: [String: Int]
    private let byID: [TensorID: Int]

    /// The tensors of the config's family with `head` (and the bare model's pooler when
    /// `pooler`), under the family's checkpoint names.
    /// With `lora`, each adapted layer's A and B follow, under PEFT's names.
    public init(config: BertConfig, pooler: Bool, head: TaskHead, lora: LoRALayout? = nil) {
        let family = config.family
        var sequence = false
        if case .sequenceClassification = head { sequence = true }
        self.init(tensors: family.tensors(config: config, pooler: pooler, head: head) + (lora?.tensors(config: config) ?? []),
                  naming: family.naming(sequenceHead: sequence))
    }

    /// The older spelling: a classifier with a pooler is a sequence head, without one a token
    /// head (BERT's layouts).
    public init(config: BertConfig, withPooler: Bool = true, numLabels: Int? = nil) {
        self.init(config: config, pooler: withPooler && numLabels == nil, head: TaskHead(withPooler: withPooler, numLabels: numLabels))
    }

    /// Lays out `tensors` back to back in the given order.
    public init(tensors: [(TensorID, [Int])], naming: any CheckpointNaming) {
        var entries: [Entry] = []
        var offset = 0
        for (id, shape) in tensors {
            entries.append(Entry(id: id, name: naming.name(of: id), shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        self.entries = entries
        self.totalCount = offset
        self.byName = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
        self.byID = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.id, $0) })
    }

    /// The entry stored under a checkpoint name (load, save, tests).
    public subscript(name: String) -> Entry? { byName[name].map { entries[$0] } }
    /// The entry of a tensor (used once, when the typed views are built).
    public subscript(id id: TensorID) -> Entry? { byID[id].map { entries[$0] } }

    /// One range covering `ids`, which must be adjacent in this order (the fused Q|K|V weights and
    /// biases), viewed as [Σ rows, columns]; nil if one is missing or they are not adjacent.
    public func fused(_ ids: [TensorID]) -> TensorSlice? {
        let parts = ids.compactMap { self[id: $0] }
        guard parts.count == ids.count, let first = parts.first else { return nil }
        var next = first.offset
        for p in parts {
            guard p.offset == next, p.shape.count == first.shape.count, p.shape.dropFirst() == first.shape.dropFirst() else { return nil }
            next += p.count
        }
        let rows = parts.reduce(0) { $0 + $1.shape[0] }
        return TensorSlice(offset: first.offset, shape: [rows] + first.shape.dropFirst())
    }

    /// The bare model's pooler (BERT's sequence head uses it as its dense layer).
    public var hasPooler: Bool { byID[.pooler(.weight)] != nil }
    /// A sequence head's own dense layer (RoBERTa's `classifier.dense`, DistilBERT's `pre_classifier`).
    public var hasHeadDense: Bool { byID[.headDense(.weight)] != nil }
    /// One prediction per text: a classifier over a dense layer (the pooler or the head's own).
    public var hasSequenceHead: Bool { numLabels != nil && (hasPooler || hasHeadDense) }
    public var numLabels: Int? { self[id: .classifier(.bias)]?.shape[0] }
}

extension TaskHead {
    /// BERT's convention before heads had a type: labels with a pooler classify texts.
    public init(withPooler: Bool, numLabels: Int?) {
        self = numLabels.map { withPooler ? .sequenceClassification(labels: $0) : .tokenClassification(labels: $0) } ?? .none
    }
}

/// One contiguous, 64-byte aligned Float buffer laid out by a `ParameterLayout`: the model's
/// parameters, or (same type, same layout) their gradients and AdamW's first and second moments.
/// Typed views (`TensorSlice`, `LinearWeights`, ...) resolve to pointers in any of them.
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

    /// The slice for one tensor by checkpoint name (nil if the layout has no such name).
    public subscript(name: String) -> UnsafeMutableBufferPointer<Float>? {
        guard let e = layout[name] else { return nil }
        return UnsafeMutableBufferPointer(start: base + e.offset, count: e.count)
    }

    /// The floats of a typed view.
    public subscript(tensor: TensorSlice) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: base + tensor.offset, count: tensor.count)
    }

    /// Pointer to the first float of a typed view (the hot path: one add).
    @inline(__always)
    public func pointer(_ tensor: TensorSlice) -> UnsafeMutablePointer<Float> { base + tensor.offset }

    public func zero() { storage.update(repeating: 0) }

    /// Copies values from another buffer with the same layout.
    public func copy(from other: ParameterBuffer) {
        precondition(other.layout.totalCount == layout.totalCount, "layouts differ")
        _ = storage.update(fromContentsOf: other.storage)
    }
}
