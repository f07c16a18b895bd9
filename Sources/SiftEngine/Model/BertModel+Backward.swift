import Foundation

/// Which parameters train. Frozen tensors get no gradient, and the backward stops as soon as
/// everything below is frozen (freezing the first K layers also saves their backward FLOPs).
public struct TrainableParts: Sendable, Equatable {
    /// Embeddings (word, position, token type, LayerNorm) receive gradients.
    public var embeddings: Bool
    /// Encoder layers with index >= this receive gradients (0: all).
    public var firstTrainableLayer: Int
    /// Pooler receives gradients.
    public var pooler: Bool
    /// The task head (its own dense layer, if any, and the classifier) receives gradients
    /// (false only for input gradients).
    public var classifier: Bool
    /// LoRA factors receive gradients (when the model has adapters).
    public var adapters: Bool

    public init(embeddings: Bool = true, firstTrainableLayer: Int = 0, pooler: Bool = true, classifier: Bool = true,
                adapters: Bool = true) {
        self.embeddings = embeddings; self.firstTrainableLayer = firstTrainableLayer; self.pooler = pooler
        self.classifier = classifier; self.adapters = adapters
    }

    /// Full fine-tuning.
    public static let all = TrainableParts()
    /// No parameter trains: a backward for gradients with respect to the input only.
    public static let nothing = TrainableParts(embeddings: false, firstTrainableLayer: Int.max, pooler: false, classifier: false,
                                               adapters: false)
    /// LoRA: the adapters and the head train; the encoder (and a pooler the base brought) stays
    /// frozen. `pooler`: a pooler the base lacked starts random and trains with the head.
    public static func lora(pooler: Bool) -> TrainableParts {
        TrainableParts(embeddings: false, firstTrainableLayer: Int.max, pooler: pooler, classifier: true, adapters: true)
    }
    /// Embeddings and the first `k` layers frozen.
    public static func freezing(layers k: Int) -> TrainableParts {
        TrainableParts(embeddings: false, firstTrainableLayer: k)
    }

    /// Whether the tensors of a part train.
    public func trains(_ part: ModelPart) -> Bool {
        switch part {
        case .embeddings: embeddings
        case .layer(let l): l >= firstTrainableLayer
        case .pooler: pooler
        case .classifier: classifier
        case .adapters: adapters
        }
    }

    /// Whether a tensor of the layout trains.
    public func trains(_ entry: ParameterLayout.Entry) -> Bool { trains(entry.part) }
}

extension BertModel {
    /// The backward pass of `forward(batch, acts:, outputs: .logits)` for
    /// `BertForSequenceClassification`, in exact reverse order of the forward. ADDS ∂loss/∂θ into
    /// `grads` (same layout as `parameters`), given ∂loss/∂logits [B,L]. `acts` must come from a
    /// recording forward of the same batch; if that forward ran with dropout, its masks
    /// (`acts.dropout`) are applied here at the same places.
    public func backward(_ batch: PackedBatch, acts: Activations, dlogits: UnsafePointer<Float>,
                         grads: ParameterBuffer, trainable: TrainableParts = .all) throws {
        guard acts.recording else { throw EngineError.badInput("backward needs a forward run with recording activations") }
        guard head.isSequence else {
            throw EngineError.badInput("backward needs a sequence classification head")
        }
        let N = batch.tokenCount
        if N == 0 { return }
        guard let head = classificationHead else { return }
        // ∂lastHidden from the head, then the encoder from the top layer down.
        let dh = acts.gradients.dh.zeroed(N * config.hiddenSize)
        BLAS.threaded {
            head.backward(batch, acts: acts, parameters: parameters, dlogits: dlogits, grads: grads, trainable: trainable, dhidden: dh)
            backwardEncoder(batch, acts: acts, dhidden: dh, grads: grads, trainable: trainable)
        }
    }

    /// ∂output/∂(the embeddings module's output, `hidden(0)`) [N,C] for attributions (Captum's
    /// `LayerIntegratedGradients` over `bert.embeddings`): the backward of a recording forward
    /// with `outputs: .logits`, given ∂output/∂logits [B,L], computing no parameter gradient.
    /// Overwrites `dEmbeddings`.
    public func inputGradient(_ batch: PackedBatch, acts: Activations, dlogits: UnsafePointer<Float>,
                              into dEmbeddings: UnsafeMutablePointer<Float>) throws {
        guard acts.recording else { throw EngineError.badInput("backward needs a forward run with recording activations") }
        guard let head = classificationHead, self.head.isSequence else {
            throw EngineError.badInput("backward needs a sequence classification head")
        }
        let N = batch.tokenCount
        dEmbeddings.update(repeating: 0, count: N * config.hiddenSize)
        if N == 0 { return }
        let dh = acts.gradients.dh.zeroed(N * config.hiddenSize)
        BLAS.threaded {
            head.backward(batch, acts: acts, parameters: parameters, dlogits: dlogits, grads: nil, trainable: .nothing, dhidden: dh)
            backwardEncoder(batch, acts: acts, dhidden: dh, grads: nil, trainable: .nothing, dEmbeddings: dEmbeddings)
        }
    }

    /// `inputGradient` for heads outside the model, given ∂output/∂lastHidden [N,C].
    public func inputGradient(_ batch: PackedBatch, acts: Activations, dlastHidden: UnsafePointer<Float>,
                              into dEmbeddings: UnsafeMutablePointer<Float>) throws {
        guard acts.recording else { throw EngineError.badInput("backward needs a forward run with recording activations") }
        let N = batch.tokenCount
        dEmbeddings.update(repeating: 0, count: N * config.hiddenSize)
        if N == 0 { return }
        let dh = acts.gradients.dh.zeroed(N * config.hiddenSize)
        dh.update(from: dlastHidden, count: N * config.hiddenSize)
        BLAS.threaded { backwardEncoder(batch, acts: acts, dhidden: dh, grads: nil, trainable: .nothing, dEmbeddings: dEmbeddings) }
    }

    /// The backward pass of the encoder alone, for heads that live outside the model (sentence
    /// embeddings: pooling, normalization and a pair loss, as SetFit trains the body): ADDS
    /// ∂loss/∂θ of every trainable encoder tensor into `grads`, given ∂loss/∂lastHidden [N,C].
    /// `acts` must come from a recording forward of the same batch (any outputs).
    public func backward(_ batch: PackedBatch, acts: Activations, dlastHidden: UnsafePointer<Float>,
                         grads: ParameterBuffer, trainable: TrainableParts = .all) throws {
        guard acts.recording else { throw EngineError.badInput("backward needs a forward run with recording activations") }
        let N = batch.tokenCount
        if N == 0 { return }
        let dh = acts.gradients.dh.zeroed(N * config.hiddenSize)
        dh.update(from: dlastHidden, count: N * config.hiddenSize)
        BLAS.threaded { backwardEncoder(batch, acts: acts, dhidden: dh, grads: grads, trainable: trainable) }
    }

    /// Backward of `forwardEncoder`: given ∂loss/∂lastHidden in `dh` [N,C] (consumed: it is the
    /// workspace the layers pass down), ADDS the gradients of every trainable encoder tensor; with
    /// `dEmbeddings`, also ADDS ∂loss/∂hidden(0) there (the backward then runs down to layer 0).
    func backwardEncoder(_ batch: PackedBatch, acts: Activations, dhidden dh: UnsafeMutablePointer<Float>,
                         grads: ParameterBuffer?, trainable: TrainableParts, dEmbeddings: UnsafeMutablePointer<Float>? = nil) {
        let N = batch.tokenCount, B = batch.batchSize
        let C = config.hiddenSize, I = config.intermediateSize, NH = config.numAttentionHeads
        let eps = config.layerNormEps
        let p = parameters
        // Activation gradients: zeroed workspaces kept in `acts` between steps.
        let ws = acts.gradients
        let dres = ws.dres.zeroed(N * C), dctx = ws.dctx.zeroed(N * C)
        let dqkv = ws.dqkv.zeroed(N * 3 * C), dfc = ws.dfc.zeroed(N * I), dfcPre = ws.dfcPre.zeroed(N * I)
        // Dropout masks of the forward (nil: that site had none). A dropout feeding a residual
        // needs its masked gradient apart from the residual's unmasked one.
        let drop = acts.dropout
        let ddrop = (drop?.rates.hidden ?? 0) > 0 || (drop?.rates.attentionOutput ?? 0) > 0 ? ws.ddrop.zeroed(N * C) : nil
        // dout ⊙ mask in `ddrop`, or dout itself without dropout at that site.
        func masked(_ dout: UnsafeMutablePointer<Float>, _ site: DropoutSite) -> UnsafeMutablePointer<Float> {
            guard let m = drop?.mask(site), let ddrop else { return dout }
            for i in 0..<(N * C) { ddrop[i] = dout[i] * m[i] }
            return ddrop
        }

        let toInput = trainable.embeddings || dEmbeddings != nil
        // Training adapters needs the backward down to the lowest adapted layer.
        let adapted = weights.lora
        let lowestAdapter = trainable.adapters ? (lora?.lowestLayer ?? Int.max) : Int.max
        let lowest = toInput ? 0 : min(trainable.firstTrainableLayer, lowestAdapter, config.numHiddenLayers)
        let adapterGrads = trainable.adapters ? grads : nil
        func adapt(_ l: Int, _ m: LoRAModule, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, ldOut: Int,
                   dinp: UnsafeMutablePointer<Float>?) {
            let site = LoRASite(layer: l, module: m)
            guard let w = adapted[site] else { return }
            loraBackward(site, w, inp: inp, dout: dout, ldOut: ldOut, dinp: dinp, grads: adapterGrads, rows: N, acts: acts)
        }
        for l in stride(from: config.numHiddenLayers - 1, through: lowest, by: -1) {
            let w = weights.layers[l], a = acts.layer(l)
            let on = trainable.trains(.layer(l))
            func g(_ t: TensorSlice) -> UnsafeMutablePointer<Float>? { on ? grads?.pointer(t) : nil }
            // dh holds ∂/∂hidden(l+1). hidden(l+1) = LayerNorm(res2), res2 = h1 + ffnOut
            dres.update(repeating: 0, count: N * C)
            Backward.layerNorm(dinp: dres, dweight: g(w.layerNorm.weight), dbias: g(w.layerNorm.bias),
                               dout: dh, inp: a.res2, weight: p.pointer(w.layerNorm.weight), N: N, C: C, eps: eps)
            // ffnOut = dropout(fcAct · W2ᵀ + b2)
            dfc.update(repeating: 0, count: N * I)
            let dffnOut = masked(dres, .output(layer: l))
            Backward.linear(dinp: dfc, dweight: g(w.output.weight), dbias: g(w.output.bias),
                            dout: dffnOut, inp: a.fcAct, weight: p.pointer(w.output.weight),
                            N: N, C: I, OC: C)
            adapt(l, .output, inp: a.fcAct, dout: dffnOut, ldOut: C, dinp: dfc)
            // fcAct = act(fcPre)
            dfcPre.update(repeating: 0, count: N * I)
            switch config.hiddenAct {
            case .gelu: Backward.gelu(dinp: dfcPre, dout: dfc, inp: a.fcPre, count: N * I)
            case .geluNew: Backward.geluTanh(dinp: dfcPre, dout: dfc, inp: a.fcPre, count: N * I)
            case .relu: Backward.relu(dinp: dfcPre, dout: dfc, inp: a.fcPre, count: N * I)
            }
            // fcPre = h1 · W1ᵀ + b1; the residual already put dres into ∂h1
            Backward.linear(dinp: dres, dweight: g(w.intermediate.weight), dbias: g(w.intermediate.bias),
                            dout: dfcPre, inp: a.h1, weight: p.pointer(w.intermediate.weight), N: N, C: C, OC: I)
            adapt(l, .intermediate, inp: a.h1, dout: dfcPre, ldOut: I, dinp: dres)
            // h1 = LayerNorm(res1), res1 = hidden(l) + attnProj
            dh.update(repeating: 0, count: N * C)
            Backward.layerNorm(dinp: dh, dweight: g(w.attention.layerNorm.weight), dbias: g(w.attention.layerNorm.bias),
                               dout: dres, inp: a.res1, weight: p.pointer(w.attention.layerNorm.weight), N: N, C: C, eps: eps)
            // attnProj = dropout(ctx · Woᵀ + bo)   (dh now holds ∂res1 = ∂attnProj = residual part of ∂hidden(l))
            dctx.update(repeating: 0, count: N * C)
            let dattnProj = masked(dh, .attentionOutput(layer: l))
            Backward.linear(dinp: dctx, dweight: g(w.attention.output.weight), dbias: g(w.attention.output.bias),
                            dout: dattnProj, inp: a.ctx,
                            weight: p.pointer(w.attention.output.weight), N: N, C: C, OC: C)
            adapt(l, .attentionOutput, inp: a.ctx, dout: dattnProj, ldOut: C, dinp: dctx)
            // ctx = attention(qkv), per sequence, probabilities kept by the forward
            dqkv.update(repeating: 0, count: N * 3 * C)
            let probDrop = drop?.mask(.attentionProbs(layer: l))
            for b in 0..<B where batch.length(b) > 0 {
                let start = batch.offsets[b]
                Backward.attention(dqkv: dqkv + start * 3 * C, dout: dctx + start * C, qkv: a.qkv + start * 3 * C,
                                   keyMask: nil, dropMask: probDrop.map { UnsafePointer($0 + acts.probOffsets[b]) },
                                   probs: a.probs + acts.probOffsets[b], T: batch.length(b), C: C, NH: NH)
            }
            // qkv = hidden(l) · W_qkvᵀ + b_qkv: one gemm over the fused [3C, C] weight
            let needInput = l > lowest || toInput
            Backward.linear(dinp: needInput ? dh : nil, dweight: g(w.attention.qkv.weight),
                            dbias: g(w.attention.qkv.bias), dout: dqkv, inp: a.input,
                            weight: p.pointer(w.attention.qkv.weight), N: N, C: C, OC: 3 * C)
            if !adapted.isEmpty {
                for m in [LoRAModule.query, .key, .value] {
                    adapt(l, m, inp: a.input, dout: dqkv + m.projection!.rawValue * C, ldOut: 3 * C, dinp: needInput ? dh : nil)
                }
            }
        }
        if let dEmbeddings {
            for i in 0..<(N * C) { dEmbeddings[i] += dh[i] }
        }
        guard trainable.embeddings, let grads else { return }
        // hidden(0) = dropout(LayerNorm(embSum))
        let emb = weights.embeddings
        if let m = drop?.mask(.embeddings) { Backward.dropoutInPlace(dh, mask: m, count: N * C) }
        dres.update(repeating: 0, count: N * C)
        Backward.layerNorm(dinp: dres, dweight: grads.pointer(emb.layerNorm.weight), dbias: grads.pointer(emb.layerNorm.bias),
                           dout: dh, inp: acts.embSum, weight: p.pointer(emb.layerNorm.weight), N: N, C: C, eps: eps)
        batch.ids.withUnsafeBufferPointer { ids in
        batch.positions.withUnsafeBufferPointer { pos in
        batch.typeIds.withUnsafeBufferPointer { types in
            Backward.embeddings(dword: grads.pointer(emb.word), dposition: grads.pointer(emb.position) + firstPosition * C,
                                dtokenType: emb.tokenType.map { grads.pointer($0) }, dout: dres,
                                ids: ids.baseAddress!, positions: pos.baseAddress!, types: types.baseAddress!, N: N, C: C)
        }}}
    }
}
