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

    public init(embeddings: Bool = true, firstTrainableLayer: Int = 0, pooler: Bool = true) {
        self.embeddings = embeddings; self.firstTrainableLayer = firstTrainableLayer; self.pooler = pooler
    }

    /// Full fine-tuning.
    public static let all = TrainableParts()
    /// Embeddings and the first `k` layers frozen.
    public static func freezing(layers k: Int) -> TrainableParts {
        TrainableParts(embeddings: false, firstTrainableLayer: k)
    }

    /// Whether the tensor with this Hugging Face name trains.
    public func trains(_ name: String) -> Bool {
        if name.hasPrefix("embeddings.") { return embeddings }
        if name.hasPrefix("pooler.") { return pooler }
        if name.hasPrefix("encoder.layer.") {
            let rest = name.dropFirst("encoder.layer.".count)
            let l = Int(rest.prefix { $0.isNumber }) ?? 0
            return l >= firstTrainableLayer
        }
        return true  // classifier
    }
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
        guard let L = layout.numLabels, layout.hasPooler else {
            throw EngineError.badInput("backward needs a classification head (pooler and classifier)")
        }
        let N = batch.tokenCount, B = batch.batchSize
        let C = config.hiddenSize, I = config.intermediateSize, NH = config.numAttentionHeads
        let eps = config.layerNormEps
        let p = parameters
        if N == 0 { return }
        func g(_ name: String, _ on: Bool = true) -> UnsafeMutablePointer<Float>? {
            on && trainable.trains(name) ? grads.ptr(name) : nil
        }
        // Activation gradients: zeroed workspaces kept in `acts` between steps.
        let dpooled = acts.gradScratch("dpooled", B * C), dpre = acts.gradScratch("dpre", B * C)
        let dcls = acts.gradScratch("dcls", B * C)
        let dh = acts.gradScratch("dh", N * C), dres = acts.gradScratch("dres", N * C), dctx = acts.gradScratch("dctx", N * C)
        let dqkv = acts.gradScratch("dqkv", N * 3 * C), dfc = acts.gradScratch("dfc", N * I), dfcPre = acts.gradScratch("dfcPre", N * I)
        // Dropout masks of the forward (nil: that site had none). A dropout feeding a residual
        // needs its masked gradient apart from the residual's unmasked one.
        let drop = acts.dropout
        let ddrop = (drop?.rates.hidden ?? 0) > 0 ? acts.gradScratch("ddrop", N * C) : nil
        // dout ⊙ mask in `ddrop`, or dout itself without dropout at that site.
        func masked(_ dout: UnsafeMutablePointer<Float>, _ site: DropoutSite) -> UnsafeMutablePointer<Float> {
            guard let m = drop?.mask(site), let ddrop else { return dout }
            for i in 0..<(N * C) { ddrop[i] = dout[i] * m[i] }
            return ddrop
        }

        // classifier: logits = dropout(pooled) · Wᵀ + b
        Backward.linear(dinp: dpooled, dweight: g("classifier.weight"), dbias: g("classifier.bias"),
                        dout: dlogits, inp: drop?.classifierInput ?? acts.pooled, weight: p.ptr("classifier.weight"),
                        N: B, C: C, OC: L)
        if let m = drop?.mask(.classifier) { Backward.dropoutInPlace(dpooled, mask: m, count: B * C) }
        // pooler: pooled = tanh(clsRows · Wᵀ + b)
        Backward.tanh(dinp: dpre, dout: dpooled, out: acts.pooled, count: B * C)
        Backward.linear(dinp: dcls, dweight: g("pooler.dense.weight"), dbias: g("pooler.dense.bias"),
                        dout: dpre, inp: acts.clsRows, weight: p.ptr("pooler.dense.weight"), N: B, C: C, OC: C)
        // clsRows[b] = lastHidden[offsets[b]]: scatter back
        for b in 0..<B where batch.length(b) > 0 {
            let row = dh + batch.offsets[b] * C, src = dcls + b * C
            for c in 0..<C { row[c] += src[c] }
        }

        let lowest = trainable.embeddings ? 0 : min(trainable.firstTrainableLayer, config.numHiddenLayers)
        for l in stride(from: config.numHiddenLayers - 1, through: lowest, by: -1) {
            let w = "encoder.layer.\(l)."
            // dh holds ∂/∂hidden(l+1). hidden(l+1) = LayerNorm(res2), res2 = h1 + ffnOut
            dres.update(repeating: 0, count: N * C)
            Backward.layerNorm(dinp: dres, dweight: g(w + "output.LayerNorm.weight"), dbias: g(w + "output.LayerNorm.bias"),
                               dout: dh, inp: acts.res2(l), weight: p.ptr(w + "output.LayerNorm.weight"), N: N, C: C, eps: eps)
            // ffnOut = dropout(fcAct · W2ᵀ + b2)
            dfc.update(repeating: 0, count: N * I)
            Backward.linear(dinp: dfc, dweight: g(w + "output.dense.weight"), dbias: g(w + "output.dense.bias"),
                            dout: masked(dres, .output(layer: l)), inp: acts.fcAct(l), weight: p.ptr(w + "output.dense.weight"),
                            N: N, C: I, OC: C)
            // fcAct = act(fcPre)
            dfcPre.update(repeating: 0, count: N * I)
            switch config.hiddenAct {
            case .gelu: Backward.gelu(dinp: dfcPre, dout: dfc, inp: acts.fcPre(l), count: N * I)
            case .geluNew: Backward.geluTanh(dinp: dfcPre, dout: dfc, inp: acts.fcPre(l), count: N * I)
            case .relu: Backward.relu(dinp: dfcPre, dout: dfc, inp: acts.fcPre(l), count: N * I)
            }
            // fcPre = h1 · W1ᵀ + b1; the residual already put dres into ∂h1
            Backward.linear(dinp: dres, dweight: g(w + "intermediate.dense.weight"), dbias: g(w + "intermediate.dense.bias"),
                            dout: dfcPre, inp: acts.h1(l), weight: p.ptr(w + "intermediate.dense.weight"), N: N, C: C, OC: I)
            // h1 = LayerNorm(res1), res1 = hidden(l) + attnProj
            dh.update(repeating: 0, count: N * C)
            Backward.layerNorm(dinp: dh, dweight: g(w + "attention.output.LayerNorm.weight"),
                               dbias: g(w + "attention.output.LayerNorm.bias"), dout: dres, inp: acts.res1(l),
                               weight: p.ptr(w + "attention.output.LayerNorm.weight"), N: N, C: C, eps: eps)
            // attnProj = dropout(ctx · Woᵀ + bo)   (dh now holds ∂res1 = ∂attnProj = residual part of ∂hidden(l))
            dctx.update(repeating: 0, count: N * C)
            Backward.linear(dinp: dctx, dweight: g(w + "attention.output.dense.weight"), dbias: g(w + "attention.output.dense.bias"),
                            dout: masked(dh, .attentionOutput(layer: l)), inp: acts.ctx(l),
                            weight: p.ptr(w + "attention.output.dense.weight"), N: N, C: C, OC: C)
            // ctx = attention(qkv), per sequence, probabilities kept by the forward
            dqkv.update(repeating: 0, count: N * 3 * C)
            let probs = acts.probs(l), probDrop = drop?.mask(.attentionProbs(layer: l))
            for b in 0..<B where batch.length(b) > 0 {
                let start = batch.offsets[b]
                Backward.attention(dqkv: dqkv + start * 3 * C, dout: dctx + start * C, qkv: acts.qkv(l) + start * 3 * C,
                                   keyMask: nil, dropMask: probDrop.map { UnsafePointer($0 + acts.probOffsets[b]) },
                                   probs: probs + acts.probOffsets[b], T: batch.length(b), C: C, NH: NH)
            }
            // qkv = hidden(l) · [Wq;Wk;Wv]ᵀ + [bq;bk;bv]  (adjacent in the layout: one gemm)
            let needInput = l > lowest || trainable.embeddings
            Backward.linear(dinp: needInput ? dh : nil, dweight: g(w + "attention.self.query.weight"),
                            dbias: g(w + "attention.self.query.bias"), dout: dqkv, inp: acts.hidden(l),
                            weight: p.ptr(w + "attention.self.query.weight"), N: N, C: C, OC: 3 * C)
        }
        guard trainable.embeddings else { return }
        // hidden(0) = dropout(LayerNorm(embSum))
        if let m = drop?.mask(.embeddings) { Backward.dropoutInPlace(dh, mask: m, count: N * C) }
        dres.update(repeating: 0, count: N * C)
        Backward.layerNorm(dinp: dres, dweight: g("embeddings.LayerNorm.weight"), dbias: g("embeddings.LayerNorm.bias"),
                           dout: dh, inp: acts.embSum, weight: p.ptr("embeddings.LayerNorm.weight"), N: N, C: C, eps: eps)
        batch.ids.withUnsafeBufferPointer { ids in
        batch.positions.withUnsafeBufferPointer { pos in
        batch.typeIds.withUnsafeBufferPointer { types in
            Backward.embeddings(dword: g("embeddings.word_embeddings.weight"), dposition: g("embeddings.position_embeddings.weight"),
                                dtokenType: g("embeddings.token_type_embeddings.weight"), dout: dres,
                                ids: ids.baseAddress!, positions: pos.baseAddress!, types: types.baseAddress!, N: N, C: C)
        }}}
    }
}
