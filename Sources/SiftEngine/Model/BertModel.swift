import Foundation
import SiftCore

/// A BERT-family encoder (transformers' `BertModel`, `DistilBertModel`, `RobertaModel`,
/// `XLMRobertaModel`, optionally with its `…ForSequenceClassification` or
/// `…ForTokenClassification` head): config, the sizes table and the one parameter buffer, and the
/// forward pass over packed batches. The family (`config.family`) decides the tensors, their
/// names, the embedding rows and the head's shape; the layers are the same for all.
///
/// Immutable during inference: any number of threads may call `forward` at once, each with its
/// own `Activations`. The trainer mutates `parameters` between steps.
public final class BertModel: @unchecked Sendable {
    public let config: BertConfig
    public let layout: ParameterLayout
    public let parameters: ParameterBuffer
    /// Typed views of every tensor (offsets into `parameters`, or into any buffer of `layout`:
    /// gradients, moments). Built once; the forward and backward read these, never names.
    public let weights: BertWeights
    /// The task head the model carries.
    public let head: TaskHead
    /// Position-table row of each sequence's first token (the family's rule).
    let firstPosition: Int
    /// The encoder's dense layers packed on oneDNN for a precision (`pack`); nil runs them as
    /// OpenBLAS fp32 sgemms over `parameters`, the path training always takes. Set before serving.
    public private(set) var packed: PackedEncoder?
    /// LoRA adapters on encoder layers (their factors are in `layout`); nil for a plain model.
    public let lora: LoRALayout?

    /// The checkpoint names BERT's tensors load and save under.
    public static let naming = BertCheckpointNames()

    /// A zero-initialized model of the config's family (the trainer fills it; tests set values
    /// by name). `pooler`: the bare model's pooler (BERT's sequence head always has it).
    /// `lora`: adapters whose A and B join the layout (zero like the rest).
    public init(config: BertConfig, pooler: Bool, head: TaskHead, lora: LoRALayout? = nil) {
        self.config = config
        self.head = head
        self.lora = lora
        self.layout = ParameterLayout(config: config, pooler: pooler, head: head, lora: lora)
        self.parameters = ParameterBuffer(layout: layout)
        self.weights = BertWeights(layout: layout, layers: config.numHiddenLayers)
        self.firstPosition = config.family.firstPosition(config)
    }

    /// BERT's older spelling: a classifier with a pooler classifies texts, without one tokens.
    public convenience init(config: BertConfig, withPooler: Bool = true, numLabels: Int? = nil) {
        self.init(config: config, pooler: withPooler && numLabels == nil,
                  head: TaskHead(withPooler: withPooler, numLabels: numLabels))
    }

    /// The family's checkpoint names for this model's layout.
    public var naming: any CheckpointNaming { config.family.naming(sequenceHead: head.isSequence) }

    // MARK: loading and saving

    /// Loads `config.json` and `model.safetensors` from a Hugging Face folder.
    /// - Parameters:
    ///   - withClassifier: nil loads the classification head when the checkpoint has it; true
    ///     requires it (sized by id2label); false ignores it.
    /// A PEFT LoRA folder (`adapter_config.json`) loads over its base with the adapters merged.
    public static func load(directory: URL, withClassifier: Bool? = nil) throws -> BertModel {
        if LoRAAdapterFolder.isAdapter(directory) {
            return try LoRAAdapterFolder.load(directory: directory).mergingAdapters()
        }
        let config = try BertConfig.load(directory.appendingPathComponent("config.json"))
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("pytorch_model.bin").path) {
                throw EngineError.unreadable(file: directory.appendingPathComponent("pytorch_model.bin").path,
                    reason: "PyTorch pickle checkpoints are not supported; save the model with safe_serialization=True (model.safetensors)")
            }
            throw EngineError.noWeights(directory: directory.path)
        }
        let file = try SafetensorsFile(url: weightsURL)
        return try load(config: config, weights: file, withClassifier: withClassifier)
    }

    /// Builds the layout from the config and fills it by checkpoint name, with a shape check per
    /// tensor. Each name is tried as is and with/without the family's prefix (`bert.`,
    /// `roberta.`, `distilbert.`: checkpoints are saved both ways). The head is what the
    /// checkpoint holds: a classifier over a dense layer (BERT's pooler, the family's own head
    /// dense) classifies texts, a classifier alone tokens.
    public static func load(config: BertConfig, weights file: SafetensorsFile, withClassifier: Bool? = nil) throws -> BertModel {
        let family = config.family
        func find(_ name: String) -> TensorInfo? { checkpointTensor(name, in: file, family: family) }
        let sequenceNames = family.naming(sequenceHead: true), tokenNames = family.naming(sequenceHead: false)
        let hasPooler = find(tokenNames.name(of: .pooler(.weight))) != nil
        let dense = family.sequenceHead.dense.weight
        // (classifier tensor, classifies texts) as the checkpoint has them.
        var found: (TensorInfo, Bool)? = nil
        if find(sequenceNames.name(of: dense)) != nil, let c = find(sequenceNames.name(of: .classifier(.weight))) {
            found = (c, true)
        } else if let c = find(tokenNames.name(of: .classifier(.weight))) {
            found = (c, false)
        }
        if withClassifier == true && found == nil {
            throw EngineError.missingTensor(file: file.path, tensor: sequenceNames.name(of: .classifier(.weight)))
        }
        var head = TaskHead.none
        if withClassifier != false, let (classifier, perText) = found {
            let n = config.numLabels ?? classifier.shape.first ?? 0
            head = perText ? .sequenceClassification(labels: n) : .tokenClassification(labels: n)
        }
        var cfg = config
        if let n = head.labels, cfg.numLabels == nil {
            cfg.id2label = Dictionary(uniqueKeysWithValues: (0..<n).map { ($0, "LABEL_\($0)") })
        }
        let model = BertModel(config: cfg, pooler: hasPooler && !(head.isSequence && family.sequenceHead.denseIsEncoder), head: head)
        for entry in model.layout.entries {
            guard let info = find(entry.name) else { throw EngineError.missingTensor(file: file.path, tensor: entry.name) }
            guard info.shape == entry.shape else {
                throw EngineError.shapeMismatch(file: file.path, tensor: info.name, expected: entry.shape, found: info.shape)
            }
            guard info.dtype != .i64 else {
                throw EngineError.badSafetensors(file: file.path, tensor: info.name, reason: "expected a float tensor, found I64")
            }
            try file.copyFloats(info, into: model.parameters.base + entry.offset)
            file.releasePages(info)
        }
        return model
    }

    /// The tensor stored under `name` as is, with or without the family's prefix (`bert.`, …:
    /// checkpoints are saved both ways), and under the pre-2019 LayerNorm names (`gamma`,
    /// `beta`) that old BERT checkpoints carry and transformers still renames on load.
    static func checkpointTensor(_ name: String, in file: SafetensorsFile, family: any ModelFamily) -> TensorInfo? {
        let prefix = family.naming(sequenceHead: false).modelPrefix
        func find(_ name: String) -> TensorInfo? {
            file.tensors[name] ?? file.tensors[prefix + name]
                ?? (name.hasPrefix(prefix) ? file.tensors[String(name.dropFirst(prefix.count))] : nil)
        }
        if let t = find(name) { return t }
        for (new, old) in [("LayerNorm.weight", "LayerNorm.gamma"), ("LayerNorm.bias", "LayerNorm.beta")] where name.hasSuffix(new) {
            return find(String(name.dropLast(new.count)) + old)
        }
        return nil
    }

    /// Writes `config.json` and `model.safetensors` so transformers loads the folder back: encoder
    /// names get the family's prefix (`bert.`, `roberta.`, `distilbert.`) when a task head is
    /// present, as `…ForSequenceClassification.save_pretrained` writes them; the head's own
    /// tensors stay unprefixed.
    ///
    /// Crash-safe: each file goes through `AtomicWriter`, and `config.json` is the folder's commit
    /// record: written last, and removed first when it changes (another model), so a kill at any
    /// point leaves the previous model, this one, or a folder without `config.json` that no loader
    /// takes, never weights beside another save's config.
    public func save(directory: URL) throws {
        let prefix = head == .none ? "" : naming.modelPrefix
        let entries = layout.entries.map { e in
            SafetensorsWriter.Entry(
                name: e.part == .classifier ? e.name : prefix + e.name, shape: e.shape,
                payload: .f32(UnsafeBufferPointer(start: parameters.base + e.offset, count: e.count)))
        }
        var cfg = config
        if cfg.architectures == nil { cfg.architectures = [config.family.architecture(head)] }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let configData = try enc.encode(cfg)
        let configURL = directory.appendingPathComponent("config.json")
        let weights = try AtomicWriter(url: directory.appendingPathComponent("model.safetensors"))
        try SafetensorsWriter.write(entries, into: weights)
        // On disk before anything changes: a full disk fails here, leaving the old folder whole.
        try weights.sync()
        if let current = FileManager.default.contents(atPath: configURL.path), current != configData {
            try AtomicWriter.remove(configURL)
        }
        try weights.commit()
        try AtomicWriter.write(configData, to: configURL)
    }

    // MARK: precision

    /// Packs the encoder's dense layers for `precision` on oneDNN (nil goes back to OpenBLAS fp32
    /// over `parameters`). Inference forwards use the packed layers from then on; recording
    /// (training) forwards never do. Call before sharing the model between threads, and again
    /// after changing `parameters`: the packed copy does not follow them.
    public func pack(_ precision: Precision?) throws {
        if precision != nil, lora != nil {
            throw EngineError.badInput("a model with unmerged LoRA adapters runs on fp32 OpenBLAS; merge them first (mergingAdapters)")
        }
        packed = try precision.map { try PackedEncoder(model: self, precision: $0) }
    }

    // MARK: forward

    /// What a forward pass computes beyond the last hidden state.
    public struct Outputs: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let pooler = Outputs(rawValue: 1)
        /// Implies `.pooler`.
        public static let logits = Outputs(rawValue: 3)
    }

    /// Runs the encoder (and optionally pooler and classifier) on a packed batch, leaving every
    /// result in `acts` (`lastHidden` [N,C], `pooled` [B,C], `logits` [B,L]).
    /// Mirrors modeling_bert.py (transformers 5.x): BertEmbeddings, BertLayer ×L
    /// (BertSelfAttention, BertSelfOutput, BertIntermediate, BertOutput), BertPooler, classifier.
    /// `dropout` (training only: needs recording `acts`) applies nn.Dropout where transformers'
    /// train mode does and keeps the masks in `acts.dropout` for the backward; nil is eval mode.
    /// `embeddingOutput` [N,C] replaces what BertEmbeddings computes (the encoder then runs from it):
    /// attributions interpolate there, as Captum's layer methods patch a module's output.
    public func forward(_ batch: PackedBatch, acts: Activations, outputs: Outputs = [], dropout: Dropout? = nil,
                        embeddingOutput: UnsafePointer<Float>? = nil) throws {
        try batch.validate(config)
        if outputs.contains(.logits) && !head.isSequence {
            throw EngineError.badInput("this model has no sequence classification head (no \(naming.name(of: .classifier(.weight))) over a dense layer in the checkpoint)")
        }
        if outputs.contains(.pooler) && classificationHead == nil {
            throw EngineError.badInput("this model has no pooler (no \(naming.name(of: .pooler(.weight))) in the checkpoint)")
        }
        // Lanes need every sequence non-empty: a lane of empty sequences would stop before its
        // pooler (N = 0), where the one-lane pass gives those rows zeros.
        if !acts.recording && dropout == nil && embeddingOutput == nil && acts.workers > 1 && batch.batchSize > 1
            && !(0..<batch.batchSize).contains(where: { batch.length($0) == 0 }) {
            return try forwardInLanes(batch, acts: acts, outputs: outputs)
        }
        // One batch on several cores: each op splits its own work (output columns, rows) over
        // single-threaded OpenBLAS calls; see BertModel+Lanes.swift for why not OpenBLAS threads.
        if acts.workers > 1 {
            try BLAS.singleThreaded { try forwardOneLane(batch, acts: acts, outputs: outputs, dropout: dropout, embeddingOutput: embeddingOutput) }
        } else {
            try BLAS.threaded { try forwardOneLane(batch, acts: acts, outputs: outputs, dropout: dropout, embeddingOutput: embeddingOutput) }
        }
    }

    /// The forward pass proper, on one thread per op or split per op over `acts.workers`.
    private func forwardOneLane(_ batch: PackedBatch, acts: Activations, outputs: Outputs, dropout: Dropout?,
                                embeddingOutput: UnsafePointer<Float>? = nil) throws {
        acts.reserve(batch)
        let drop = try startDropout(dropout, acts: acts)
        if batch.tokenCount == 0 { return }
        try forwardEncoder(batch, acts: acts, drop: drop, embeddingOutput: embeddingOutput)
        guard outputs.contains(.pooler), let head = classificationHead else { return }
        head.forward(batch, acts: acts, parameters: parameters, logits: outputs.contains(.logits), drop: drop)
    }

    /// BertEmbeddings and BertLayer ×L: `acts.hidden(0…L)` from the batch's ids.
    private func forwardEncoder(_ batch: PackedBatch, acts: Activations, drop: DropoutMasks?,
                                embeddingOutput: UnsafePointer<Float>? = nil) throws {
        let N = batch.tokenCount, B = batch.batchSize
        let C = config.hiddenSize, I = config.intermediateSize, NH = config.numAttentionHeads
        let eps = config.layerNormEps
        let p = parameters, emb = weights.embeddings
        let workers = acts.workers
        // Inference runs the packed layers when there are some; training the fp32 parameters.
        let dense = acts.recording || drop != nil ? nil : packed
        // Adapted layers add their LoRA branch right after the layer's own product.
        let adapted = weights.lora
        if !adapted.isEmpty { acts.adapters.startForward() }
        func adapt(_ l: Int, _ m: LoRAModule, inp: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, ldOut: Int) {
            let site = LoRASite(layer: l, module: m)
            guard let w = adapted[site] else { return }
            loraForward(site, w, inp: inp, out: out, ldOut: ldOut, rows: N, acts: acts, drop: drop)
        }
        func linear(_ packed: PackedLinear?, _ w: LinearWeights, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>) throws {
            if let packed { return try packed.forward(rows: N, inp: inp, out: out, workers: workers) }
            Ops.linearForward(out: out, inp: inp, weight: p.pointer(w.weight), bias: p.pointer(w.bias),
                              n: N, inChannels: w.inFeatures, outChannels: w.outFeatures, workers: workers)
        }

        batch.ids.withUnsafeBufferPointer { ids in
        batch.positions.withUnsafeBufferPointer { pos in
        batch.typeIds.withUnsafeBufferPointer { types in
            Ops.embeddingsForward(out: acts.embSum, ids: ids.baseAddress!, positions: pos.baseAddress!,
                                  typeIds: types.baseAddress!, wte: p.pointer(emb.word),
                                  wpe: p.pointer(emb.position) + firstPosition * C,
                                  wtt: emb.tokenType.map { UnsafePointer(p.pointer($0)) }, n: N, c: C)
        }}}
        Ops.layerNormForward(out: acts.hidden(0), inp: acts.embSum, weight: p.pointer(emb.layerNorm.weight),
                             bias: p.pointer(emb.layerNorm.bias), n: N, c: C, eps: eps, workers: workers)
        drop?.generate(.embeddings, applyTo: acts.hidden(0))
        if let embeddingOutput { acts.hidden(0).update(from: embeddingOutput, count: N * C) }

        try batch.offsets.withUnsafeBufferPointer { offsets in
        try acts.probOffsets.withUnsafeBufferPointer { probOffsets in
        try (batch.keyMask ?? []).withUnsafeBufferPointer { maskBuf in
            let mask = batch.keyMask == nil ? nil : maskBuf.baseAddress
            for l in 0..<config.numHiddenLayers {
                let w = weights.layers[l], a = acts.layer(l), d = dense?.layers[l]
                // BertSelfAttention: Q|K|V in one product over the fused [3C, C] weight.
                try linear(d?.qkv, w.attention.qkv, out: a.qkv, inp: a.input)
                if !adapted.isEmpty {
                    for m in [LoRAModule.query, .key, .value] {
                        adapt(l, m, inp: a.input, out: a.qkv + m.projection!.rawValue * C, ldOut: 3 * C)
                    }
                }
                Ops.attentionForward(out: a.ctx, probs: a.probs, qkv: a.qkv, offsets: offsets.baseAddress!,
                                     probOffsets: acts.recording ? probOffsets.baseAddress : nil, keyMask: mask,
                                     b: B, c: C, heads: NH, maxT: acts.maxT, workers: acts.workers,
                                     dropMask: drop?.generate(.attentionProbs(layer: l)))
                // BertSelfOutput: dense, dropout, residual, LayerNorm.
                try linear(d?.attentionOutput, w.attention.output, out: a.attnProj, inp: a.ctx)
                adapt(l, .attentionOutput, inp: a.ctx, out: a.attnProj, ldOut: C)
                drop?.generate(.attentionOutput(layer: l), applyTo: a.attnProj)
                Ops.residualForward(out: a.res1, a: a.input, b: a.attnProj, count: N * C, workers: workers)
                Ops.layerNormForward(out: a.h1, inp: a.res1, weight: p.pointer(w.attention.layerNorm.weight),
                                     bias: p.pointer(w.attention.layerNorm.bias), n: N, c: C, eps: eps, workers: workers)
                // BertIntermediate: dense + hidden_act.
                if let fused = d?.intermediate, fused.fusedGELU {
                    try linear(fused, w.intermediate, out: a.fcAct, inp: a.h1)
                } else {
                    try linear(d?.intermediate, w.intermediate, out: a.fcPre, inp: a.h1)
                    adapt(l, .intermediate, inp: a.h1, out: a.fcPre, ldOut: I)
                    Ops.activationForward(config.hiddenAct, out: a.fcAct, inp: a.fcPre, count: N * I, workers: workers)
                }
                // BertOutput: dense, dropout, residual, LayerNorm.
                try linear(d?.output, w.output, out: a.ffnOut, inp: a.fcAct)
                adapt(l, .output, inp: a.fcAct, out: a.ffnOut, ldOut: C)
                drop?.generate(.output(layer: l), applyTo: a.ffnOut)
                Ops.residualForward(out: a.res2, a: a.h1, b: a.ffnOut, count: N * C, workers: workers)
                Ops.layerNormForward(out: a.output, inp: a.res2, weight: p.pointer(w.layerNorm.weight),
                                     bias: p.pointer(w.layerNorm.bias), n: N, c: C, eps: eps, workers: workers)
            }
        }}}
    }

    /// The sequence head over the encoder output (the family's shape), or a bare model's pooler
    /// alone (no classifier); nil without either.
    var classificationHead: SequenceClassificationHead? {
        let C = config.hiddenSize
        if head.isSequence, let classifier = weights.classifier {
            let style = config.family.sequenceHead
            guard let dense = style.denseIsEncoder ? weights.pooler : weights.headDense else { return nil }
            return SequenceClassificationHead(style: style, dense: dense, classifier: classifier, channels: C)
        }
        return weights.pooler.map { SequenceClassificationHead(style: .bertPooler, dense: $0, classifier: nil, channels: C) }
    }

    /// A fresh activation workspace sized for this model.
    public func makeActivations(recording: Bool = false, workers: Int = 2) -> Activations {
        Activations(config: config, recording: recording, numLabels: layout.numLabels ?? 0, workers: workers)
    }
}
