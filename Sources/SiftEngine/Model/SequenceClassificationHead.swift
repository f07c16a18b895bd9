/// transformers' BertPooler and BertForSequenceClassification's dropout + classifier, as a head
/// over the encoder's output: it reads `acts.lastHidden` and, in the backward, adds
/// ∂loss/∂lastHidden for the encoder's backward to continue from.
///
/// This is the shape of the seam for other heads (masked-LM, token classification): a type with
/// its weights as views (`LinearWeights`), a forward from `lastHidden` into its own outputs and a
/// backward that adds into `dhidden`; the encoder's forward/backward do not change.
struct SequenceClassificationHead {
    /// BertPooler.dense [C, C].
    let pooler: LinearWeights
    /// The classifier [L, C]; nil for a bare `BertModel` (pooler only).
    let classifier: LinearWeights?
    let channels: Int

    /// pooled = tanh(dense(first row of each sequence)); with `logits`,
    /// logits = dropout(pooled) · Wᵀ + b. Empty sequences pool zeros.
    func forward(_ batch: PackedBatch, acts: Activations, parameters p: ParameterBuffer, logits: Bool, drop: DropoutMasks?) {
        let B = batch.batchSize, C = channels
        let last = acts.lastHidden
        for b in 0..<B {
            let start = batch.offsets[b]
            if batch.length(b) > 0 {
                (acts.clsRows + b * C).update(from: last + start * C, count: C)
            } else {
                (acts.clsRows + b * C).update(repeating: 0, count: C)
            }
        }
        Ops.linearForward(out: acts.pooled, inp: acts.clsRows, weight: p.pointer(pooler.weight),
                          bias: p.pointer(pooler.bias), n: B, inChannels: C, outChannels: C)
        Ops.tanhForward(out: acts.pooled, inp: acts.pooled, count: B * C)

        guard logits, let classifier else { return }
        // Dropout on a copy: the tanh backward reads the undropped `pooled`.
        let clsIn = drop?.classifier(pooled: acts.pooled) ?? acts.pooled
        Ops.linearForward(out: acts.logits, inp: clsIn, weight: p.pointer(classifier.weight),
                          bias: p.pointer(classifier.bias), n: B, inChannels: C, outChannels: classifier.outFeatures)
    }

    /// Backward of `forward(…, logits: true)` in reverse order: ADDS the head's parameter
    /// gradients into `grads` (parts that `trainable` freezes get none) and ∂lastHidden into
    /// `dhidden` [N,C], given ∂loss/∂logits [B,L].
    func backward(_ batch: PackedBatch, acts: Activations, parameters p: ParameterBuffer, dlogits: UnsafePointer<Float>,
                  grads: ParameterBuffer?, trainable: TrainableParts, dhidden dh: UnsafeMutablePointer<Float>) {
        guard let classifier else { return }
        let B = batch.batchSize, C = channels, L = classifier.outFeatures
        let ws = acts.gradients
        let dpooled = ws.dpooled.zeroed(B * C), dpre = ws.dpre.zeroed(B * C), dcls = ws.dcls.zeroed(B * C)
        let drop = acts.dropout
        func g(_ t: TensorSlice, _ part: ModelPart) -> UnsafeMutablePointer<Float>? {
            trainable.trains(part) ? grads?.pointer(t) : nil
        }
        // classifier: logits = dropout(pooled) · Wᵀ + b
        Backward.linear(dinp: dpooled, dweight: g(classifier.weight, .classifier), dbias: g(classifier.bias, .classifier),
                        dout: dlogits, inp: drop?.classifierInput ?? acts.pooled, weight: p.pointer(classifier.weight),
                        N: B, C: C, OC: L)
        if let m = drop?.mask(.classifier) { Backward.dropoutInPlace(dpooled, mask: m, count: B * C) }
        // pooler: pooled = tanh(clsRows · Wᵀ + b)
        Backward.tanh(dinp: dpre, dout: dpooled, out: acts.pooled, count: B * C)
        Backward.linear(dinp: dcls, dweight: g(pooler.weight, .pooler), dbias: g(pooler.bias, .pooler),
                        dout: dpre, inp: acts.clsRows, weight: p.pointer(pooler.weight), N: B, C: C, OC: C)
        // clsRows[b] = lastHidden[offsets[b]]: scatter back
        for b in 0..<B where batch.length(b) > 0 {
            let row = dh + batch.offsets[b] * C, src = dcls + b * C
            for c in 0..<C { row[c] += src[c] }
        }
    }
}
