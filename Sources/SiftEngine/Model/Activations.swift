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
/// Pointers are valid until the next `reserve` (the next forward call).
public final class Activations: @unchecked Sendable {
    public let recording: Bool
    public private(set) var n = 0, b = 0
    let c: Int, i: Int, nh: Int, layers: Int, labels: Int
    public let workers: Int

    // MARK: buffers (see the accessors below for shapes)
    private var bufs: [String: (ptr: UnsafeMutablePointer<Float>, cap: Int)] = [:]
    /// [B+1] attention-probability offsets of the current batch (training only).
    public private(set) var probOffsets: [Int] = []
    /// Largest sequence length of the current batch.
    public private(set) var maxT = 0
    /// Masks of the last forward when it ran with dropout (training; see Model/Dropout.swift).
    public internal(set) var dropout: DropoutMasks?

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

    deinit { for (_, b) in bufs { b.ptr.deallocate() } }

    /// `k` single-worker inference workspaces (reused across calls).
    func lanes(_ k: Int) -> [Activations] {
        while laneCache.count < k {
            laneCache.append(Activations(config: config, recording: false, numLabels: labels, workers: 1))
        }
        return Array(laneCache.prefix(k))
    }

    private func buffer(_ name: String, _ count: Int) {
        if let b = bufs[name], b.cap >= count { return }
        bufs[name]?.ptr.deallocate()
        let cap = max(count, 16)
        let p = UnsafeMutablePointer<Float>.allocate(capacity: cap)
        p.initialize(repeating: 0, count: cap)
        bufs[name] = (p, cap)
    }
    /// A zeroed gradient workspace of at least `count` floats, kept between backward calls: fresh
    /// allocations of this size come straight from mmap, and the page faults plus the kernel's
    /// page clearing cost ~12% of a MiniLM training step.
    func gradScratch(_ name: String, _ count: Int) -> UnsafeMutablePointer<Float> {
        let key = "grad." + name
        buffer(key, count)
        let p = ptr(key)
        p.update(repeating: 0, count: max(1, count))
        return p
    }

    private func ptr(_ name: String) -> UnsafeMutablePointer<Float> { bufs[name]!.ptr }

    /// Sizes every buffer for a batch (grows only).
    /// `outputsOnly` (the parent workspace of inference lanes) sizes just what callers read:
    /// the last hidden state, pooler rows, logits and sentence embeddings.
    func reserve(_ batch: PackedBatch, outputsOnly: Bool = false) {
        n = batch.tokenCount; b = batch.batchSize; maxT = batch.maxLength
        if outputsOnly && !recording {
            buffer("hidden", 2 * n * c)
            buffer("clsRows", b * c); buffer("pooled", b * c); buffer("logits", b * max(labels, 1))
            buffer("sentence", b * c)
            return
        }
        let L = recording ? layers : 1
        buffer("embSum", n * c); buffer("embMean", n); buffer("embRstd", n)
        buffer("hidden", (recording ? layers + 1 : 2) * n * c)
        buffer("qkv", L * n * 3 * c)
        buffer("ctx", L * n * c)
        // Inference aliases attnProj→res1, fcAct→fcPre, ffnOut→res2 (the ops tolerate it), which
        // cuts the workspace by a third; training keeps each tensor for the backward.
        if recording { buffer("attnProj", L * n * c); buffer("fcAct", L * n * i); buffer("ffnOut", L * n * c) }
        buffer("res1", L * n * c)
        buffer("ln1Mean", L * n); buffer("ln1Rstd", L * n)
        buffer("h1", L * n * c)
        buffer("fcPre", L * n * i)
        buffer("res2", L * n * c)
        buffer("ln2Mean", L * n); buffer("ln2Rstd", L * n)
        if recording {
            probOffsets = Ops.attentionProbOffsets(offsets: batch.offsets, heads: nh)
            buffer("probs", layers * probOffsets[b])
        } else {
            probOffsets = []
            buffer("probs", workers * maxT * maxT)
        }
        buffer("clsRows", b * c); buffer("pooled", b * c); buffer("logits", b * max(labels, 1))
        buffer("sentence", b * c)
    }

    private func slot(_ l: Int) -> Int { recording ? l : 0 }

    // MARK: accessors — shapes in the engine's letters (Ops/Shapes.swift)
    /// [N,C] word + position + type embeddings, before LayerNorm.
    public var embSum: UnsafeMutablePointer<Float> { ptr("embSum") }
    /// [N] mean / reciprocal std of the embeddings LayerNorm.
    public var embMean: UnsafeMutablePointer<Float> { ptr("embMean") }
    public var embRstd: UnsafeMutablePointer<Float> { ptr("embRstd") }
    /// [N,C] input of layer l (l = 0: embeddings output; l = layers: the last hidden state).
    public func hidden(_ l: Int) -> UnsafeMutablePointer<Float> { ptr("hidden") + (recording ? l : l % 2) * n * c }
    /// [N,C] the encoder's output (`last_hidden_state`, packed).
    public var lastHidden: UnsafeMutablePointer<Float> { hidden(layers) }
    /// [N,3C] fused Q|K|V projections of layer l.
    public func qkv(_ l: Int) -> UnsafeMutablePointer<Float> { ptr("qkv") + slot(l) * n * 3 * c }
    /// Attention probabilities of layer l: [NH,T_b,T_b] per sequence at probOffsets[b] (training);
    /// per-worker scratch in inference.
    public func probs(_ l: Int) -> UnsafeMutablePointer<Float> {
        ptr("probs") + (recording ? l * (probOffsets.last ?? 0) : 0)
    }
    /// [N,C] attention context (heads side by side), input of attention.output.dense.
    public func ctx(_ l: Int) -> UnsafeMutablePointer<Float> { ptr("ctx") + slot(l) * n * c }
    /// [N,C] attention.output.dense output.
    public func attnProj(_ l: Int) -> UnsafeMutablePointer<Float> { recording ? ptr("attnProj") + l * n * c : res1(l) }
    /// [N,C] hidden(l) + attnProj: input of attention.output.LayerNorm.
    public func res1(_ l: Int) -> UnsafeMutablePointer<Float> { ptr("res1") + slot(l) * n * c }
    /// [N] attention.output.LayerNorm statistics.
    public func ln1Mean(_ l: Int) -> UnsafeMutablePointer<Float> { ptr("ln1Mean") + slot(l) * n }
    public func ln1Rstd(_ l: Int) -> UnsafeMutablePointer<Float> { ptr("ln1Rstd") + slot(l) * n }
    /// [N,C] attention.output.LayerNorm output: input of the feed-forward block.
    public func h1(_ l: Int) -> UnsafeMutablePointer<Float> { ptr("h1") + slot(l) * n * c }
    /// [N,I] intermediate.dense output before the activation.
    public func fcPre(_ l: Int) -> UnsafeMutablePointer<Float> { ptr("fcPre") + slot(l) * n * i }
    /// [N,I] after hidden_act: input of output.dense.
    public func fcAct(_ l: Int) -> UnsafeMutablePointer<Float> { recording ? ptr("fcAct") + l * n * i : fcPre(l) }
    /// [N,C] output.dense output.
    public func ffnOut(_ l: Int) -> UnsafeMutablePointer<Float> { recording ? ptr("ffnOut") + l * n * c : res2(l) }
    /// [N,C] h1 + ffnOut: input of output.LayerNorm.
    public func res2(_ l: Int) -> UnsafeMutablePointer<Float> { ptr("res2") + slot(l) * n * c }
    /// [N] output.LayerNorm statistics.
    public func ln2Mean(_ l: Int) -> UnsafeMutablePointer<Float> { ptr("ln2Mean") + slot(l) * n }
    public func ln2Rstd(_ l: Int) -> UnsafeMutablePointer<Float> { ptr("ln2Rstd") + slot(l) * n }
    /// [B,C] the first ([CLS]) row of each sequence: pooler.dense input.
    public var clsRows: UnsafeMutablePointer<Float> { ptr("clsRows") }
    /// [B,C] pooler output, tanh(dense(clsRows)).
    public var pooled: UnsafeMutablePointer<Float> { ptr("pooled") }
    /// [B,L] classifier logits.
    public var logits: UnsafeMutablePointer<Float> { ptr("logits") }
    /// [B,C] sentence embeddings (pooled by `SentenceEmbedder`).
    public var sentence: UnsafeMutablePointer<Float> { ptr("sentence") }
    public var channels: Int { c }
    public var numLabels: Int { labels }
}
