/// Every intermediate tensor of a forward pass (llm.c's ActivationTensors), in reusable buffers.
///
/// Inference (`recording == false`): per-layer tensors share one slot that each layer
/// overwrites, hidden states ping-pong between two slots, and attention probabilities live in
/// per-worker scratch; buffers grow to the largest batch seen and are reused, so the hot path
/// allocates nothing.
///
/// Training (`recording == true`): each layer l keeps its own slot of every tensor below, and all
/// attention probabilities are kept, which is what the backward pass reads (see docs/engine.md).
///
/// LayerNorm mean/rstd are not kept: the backward recomputes them from the LayerNorm's input,
/// which it reads anyway (docs/engine.md, "LayerNorm statistics").
///
/// Pointers are valid until the next `reserve` (the next forward call).
public final class Activations: @unchecked Sendable {
    public let recording: Bool
    public private(set) var n = 0, b = 0
    let c: Int, i: Int, nh: Int, layers: Int, labels: Int
    public let workers: Int

    // MARK: buffers, one stored property per tensor (shapes: see the accessors below)
    private let embSumBuf = GrowableBuffer(), hiddenBuf = GrowableBuffer()
    private let qkvBuf = GrowableBuffer(), ctxBuf = GrowableBuffer(), probsBuf = GrowableBuffer()
    private let attnProjBuf = GrowableBuffer(), res1Buf = GrowableBuffer(), h1Buf = GrowableBuffer()
    private let fcPreBuf = GrowableBuffer(), fcActBuf = GrowableBuffer()
    private let ffnOutBuf = GrowableBuffer(), res2Buf = GrowableBuffer()
    private let clsRowsBuf = GrowableBuffer(), pooledBuf = GrowableBuffer()
    private let logitsBuf = GrowableBuffer(), sentenceBuf = GrowableBuffer()
    /// [B+1] attention-probability offsets of the current batch (training only).
    public private(set) var probOffsets: [Int] = []
    /// Largest sequence length of the current batch.
    public private(set) var maxT = 0
    /// Masks of the last forward when it ran with dropout (training; see Model/Dropout.swift).
    public internal(set) var dropout: DropoutMasks?
    /// The backward pass's activation gradients, kept between steps (training; made on first use).
    private(set) lazy var gradients = GradientWorkspace()
    /// What adapted layers' LoRA branches keep (models with adapters; made on first use).
    private(set) lazy var adapters = LoRAActivations()

    private let config: BertConfig
    /// Workspaces of the lanes `BertModel.forwardInLanes` splits a batch into, made on first use.
    private var laneCache: [Activations] = []

    public init(config: BertConfig, recording: Bool = false, numLabels: Int = 0, workers: Int = 2) {
        self.config = config
        self.recording = recording
        c = config.hiddenSize; i = config.intermediateSize; nh = config.numAttentionHeads
        layers = config.numHiddenLayers; labels = numLabels
        self.workers = max(1, workers)
    }

    /// `k` single-worker inference workspaces (reused across calls).
    func lanes(_ k: Int) -> [Activations] {
        while laneCache.count < k {
            laneCache.append(Activations(config: config, recording: false, numLabels: labels, workers: 1))
        }
        return Array(laneCache.prefix(k))
    }

    /// Sizes every buffer for a batch (grows only).
    /// `outputsOnly` (the parent workspace of inference lanes) sizes just what callers read:
    /// the last hidden state, pooler rows, logits and sentence embeddings.
    func reserve(_ batch: PackedBatch, outputsOnly: Bool = false) {
        n = batch.tokenCount; b = batch.batchSize; maxT = batch.maxLength
        if outputsOnly && !recording {
            hiddenBuf.reserve(2 * n * c)
            reserveOutputs()
            return
        }
        let L = recording ? layers : 1
        embSumBuf.reserve(n * c)
        hiddenBuf.reserve((recording ? layers + 1 : 2) * n * c)
        qkvBuf.reserve(L * n * 3 * c)
        ctxBuf.reserve(L * n * c)
        // Inference aliases attnProj→res1, fcAct→fcPre, ffnOut→res2 (the ops tolerate it), which
        // cuts the workspace by a third; training keeps each tensor for the backward.
        if recording { attnProjBuf.reserve(L * n * c); fcActBuf.reserve(L * n * i); ffnOutBuf.reserve(L * n * c) }
        res1Buf.reserve(L * n * c)
        h1Buf.reserve(L * n * c)
        fcPreBuf.reserve(L * n * i)
        res2Buf.reserve(L * n * c)
        if recording {
            probOffsets = Ops.attentionProbOffsets(offsets: batch.offsets, heads: nh)
            probsBuf.reserve(layers * probOffsets[b])
        } else {
            probOffsets = []
            probsBuf.reserve(workers * maxT * maxT)
        }
        reserveOutputs()
    }

    private func reserveOutputs() {
        clsRowsBuf.reserve(b * c); pooledBuf.reserve(b * c); logitsBuf.reserve(b * max(labels, 1))
        sentenceBuf.reserve(b * c)
    }

    @inline(__always) private func slot(_ l: Int) -> Int { recording ? l : 0 }

    // MARK: per-layer view

    /// The tensors of encoder layer l for the current batch (pointers into the buffers above; in
    /// inference the aliased ones coincide). Computed from the slot, no lookup, no allocation.
    public func layer(_ l: Int) -> LayerActivations {
        LayerActivations(input: hidden(l), qkv: qkv(l), probs: probs(l), ctx: ctx(l), attnProj: attnProj(l),
                         res1: res1(l), h1: h1(l), fcPre: fcPre(l), fcAct: fcAct(l), ffnOut: ffnOut(l),
                         res2: res2(l), output: hidden(l + 1))
    }

    // MARK: accessors — shapes in the engine's letters (Ops/Shapes.swift)
    /// [N,C] word + position + type embeddings, before LayerNorm.
    public var embSum: UnsafeMutablePointer<Float> { embSumBuf.base }
    /// [N,C] input of layer l (l = 0: embeddings output; l = layers: the last hidden state).
    public func hidden(_ l: Int) -> UnsafeMutablePointer<Float> { hiddenBuf.base + (recording ? l : l % 2) * n * c }
    /// [N,C] the encoder's output (`last_hidden_state`, packed).
    public var lastHidden: UnsafeMutablePointer<Float> { hidden(layers) }
    /// [N,3C] fused Q|K|V projections of layer l.
    public func qkv(_ l: Int) -> UnsafeMutablePointer<Float> { qkvBuf.base + slot(l) * n * 3 * c }
    /// Attention probabilities of layer l: [NH,T_b,T_b] per sequence at probOffsets[b] (training);
    /// per-worker scratch in inference.
    public func probs(_ l: Int) -> UnsafeMutablePointer<Float> {
        probsBuf.base + (recording ? l * (probOffsets.last ?? 0) : 0)
    }
    /// [N,C] attention context (heads side by side), input of attention.output.dense.
    public func ctx(_ l: Int) -> UnsafeMutablePointer<Float> { ctxBuf.base + slot(l) * n * c }
    /// [N,C] attention.output.dense output.
    public func attnProj(_ l: Int) -> UnsafeMutablePointer<Float> { recording ? attnProjBuf.base + l * n * c : res1(l) }
    /// [N,C] hidden(l) + attnProj: input of attention.output.LayerNorm.
    public func res1(_ l: Int) -> UnsafeMutablePointer<Float> { res1Buf.base + slot(l) * n * c }
    /// [N,C] attention.output.LayerNorm output: input of the feed-forward block.
    public func h1(_ l: Int) -> UnsafeMutablePointer<Float> { h1Buf.base + slot(l) * n * c }
    /// [N,I] intermediate.dense output before the activation.
    public func fcPre(_ l: Int) -> UnsafeMutablePointer<Float> { fcPreBuf.base + slot(l) * n * i }
    /// [N,I] after hidden_act: input of output.dense.
    public func fcAct(_ l: Int) -> UnsafeMutablePointer<Float> { recording ? fcActBuf.base + l * n * i : fcPre(l) }
    /// [N,C] output.dense output.
    public func ffnOut(_ l: Int) -> UnsafeMutablePointer<Float> { recording ? ffnOutBuf.base + l * n * c : res2(l) }
    /// [N,C] h1 + ffnOut: input of output.LayerNorm.
    public func res2(_ l: Int) -> UnsafeMutablePointer<Float> { res2Buf.base + slot(l) * n * c }
    /// [B,C] the first ([CLS]) row of each sequence: pooler.dense input.
    public var clsRows: UnsafeMutablePointer<Float> { clsRowsBuf.base }
    /// [B,C] pooler output, tanh(dense(clsRows)).
    public var pooled: UnsafeMutablePointer<Float> { pooledBuf.base }
    /// [B,L] classifier logits.
    public var logits: UnsafeMutablePointer<Float> { logitsBuf.base }
    /// [B,C] sentence embeddings (pooled by `SentenceEmbedder`).
    public var sentence: UnsafeMutablePointer<Float> { sentenceBuf.base }
    public var channels: Int { c }
    public var numLabels: Int { labels }
}

/// The tensors of one encoder layer (BertLayer) in a forward pass; `input` is hidden(l), `output`
/// hidden(l+1). Shapes as in `Activations`' accessors.
public struct LayerActivations {
    /// [N,C] hidden(l).
    public let input: UnsafeMutablePointer<Float>
    /// [N,3C] x · W_qkvᵀ + b_qkv.
    public let qkv: UnsafeMutablePointer<Float>
    /// Attention probabilities (kept per sequence in training, per-worker scratch in inference).
    public let probs: UnsafeMutablePointer<Float>
    /// [N,C] attention context.
    public let ctx: UnsafeMutablePointer<Float>
    /// [N,C] attention.output.dense output (inference: same memory as `res1`).
    public let attnProj: UnsafeMutablePointer<Float>
    /// [N,C] input + attnProj.
    public let res1: UnsafeMutablePointer<Float>
    /// [N,C] attention.output.LayerNorm output.
    public let h1: UnsafeMutablePointer<Float>
    /// [N,I] intermediate.dense output.
    public let fcPre: UnsafeMutablePointer<Float>
    /// [N,I] after hidden_act (inference: same memory as `fcPre`).
    public let fcAct: UnsafeMutablePointer<Float>
    /// [N,C] output.dense output (inference: same memory as `res2`).
    public let ffnOut: UnsafeMutablePointer<Float>
    /// [N,C] h1 + ffnOut.
    public let res2: UnsafeMutablePointer<Float>
    /// [N,C] hidden(l+1) = output.LayerNorm(res2).
    public let output: UnsafeMutablePointer<Float>
}

/// The activation gradients of `BertModel.backward`, kept between steps: fresh allocations of
/// this size come straight from mmap, and the page faults plus the kernel's page clearing cost
/// ~12% of a MiniLM training step.
final class GradientWorkspace {
    /// [B,C] ∂pooled, ∂(pooler pre-activation), ∂clsRows.
    let dpooled = GrowableBuffer(), dpre = GrowableBuffer(), dcls = GrowableBuffer()
    /// [N,C] ∂hidden, ∂residual sum, ∂ctx; [N,3C] ∂qkv; [N,I] ∂fcAct, ∂fcPre.
    let dh = GrowableBuffer(), dres = GrowableBuffer(), dctx = GrowableBuffer(), dqkv = GrowableBuffer()
    let dfc = GrowableBuffer(), dfcPre = GrowableBuffer()
    /// [N,C] a gradient times a dropout mask (kept apart from the residual's unmasked gradient).
    let ddrop = GrowableBuffer()
}

/// A Float buffer that grows to the largest size asked for and is reused (zero-filled when it
/// grows). Owned by one workspace; not thread-safe.
final class GrowableBuffer {
    private(set) var base: UnsafeMutablePointer<Float>
    private var capacity: Int

    init() {
        capacity = 16
        base = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        base.initialize(repeating: 0, count: capacity)
    }

    deinit { base.deallocate() }

    /// Ensures room for `count` floats; existing contents are lost when it grows.
    func reserve(_ count: Int) {
        if capacity >= count { return }
        base.deallocate()
        capacity = count
        base = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        base.initialize(repeating: 0, count: capacity)
    }

    /// `reserve(count)`, then zero the first `count` floats (a gradient workspace for one step).
    func zeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
        reserve(count)
        base.update(repeating: 0, count: max(1, count))
        return base
    }
}
