/// A sequence-classification head over the encoder's output, in the shape its family gives it
/// (`SequenceHeadStyle`): the first token's row, [dropout,] a dense layer with tanh (BERT's
/// pooler, RobertaClassificationHead's `dense`) or ReLU (DistilBERT's `pre_classifier`), dropout,
/// then the classifier. It reads `acts.lastHidden` and, in the backward, adds ∂loss/∂lastHidden
/// for the encoder's backward to continue from.
///
/// This is the shape of the seam for heads: a type with its weights as views (`LinearWeights`),
/// a forward from `lastHidden` into its own outputs and a backward that adds into `dhidden`; the
/// encoder's forward/backward do not change.
struct SequenceClassificationHead {
    let style: SequenceHeadStyle
    /// The dense layer [C, C]: BertPooler.dense, `classifier.dense` or `pre_classifier`.
    let dense: LinearWeights
    /// The classifier [L, C]; nil for a bare model (pooler only).
    let classifier: LinearWeights?
    let channels: Int

    /// Where the dense layer trains or freezes: with the encoder (BERT's pooler) or the head.
    var densePart: ModelPart { style.denseIsEncoder ? .pooler : .classifier }

    /// pooled = act(dense([dropout](first row of each sequence))); with `logits`,
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
        // Dropout on a copy: the dense backward reads its input.
        let denseIn = style.dropsInput ? drop?.headInput(rows: acts.clsRows) ?? acts.clsRows : acts.clsRows
        Ops.linearForward(out: acts.pooled, inp: denseIn, weight: p.pointer(dense.weight),
                          bias: p.pointer(dense.bias), n: B, inChannels: C, outChannels: C)
        switch style {
        case .bertPooler, .roberta: Ops.tanhForward(out: acts.pooled, inp: acts.pooled, count: B * C)
        case .distilBert: Ops.activationForward(.relu, out: acts.pooled, inp: acts.pooled, count: B * C)
        }

        guard logits, let classifier else { return }
        // Dropout on a copy: the activation's backward reads the undropped `pooled`.
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
        // pooled = act(denseIn · Wᵀ + b); ReLU's gradient gate is the same read from its output.
        switch style {
        case .bertPooler, .roberta: Backward.tanh(dinp: dpre, dout: dpooled, out: acts.pooled, count: B * C)
        case .distilBert: Backward.relu(dinp: dpre, dout: dpooled, inp: acts.pooled, count: B * C)
        }
        let dropped = style.dropsInput ? drop?.headInputValues : nil
        Backward.linear(dinp: dcls, dweight: g(dense.weight, densePart), dbias: g(dense.bias, densePart),
                        dout: dpre, inp: dropped ?? acts.clsRows, weight: p.pointer(dense.weight), N: B, C: C, OC: C)
        if dropped != nil, let m = drop?.mask(.headInput) { Backward.dropoutInPlace(dcls, mask: m, count: B * C) }
        // clsRows[b] = lastHidden[offsets[b]]: scatter back
        for b in 0..<B where batch.length(b) > 0 {
            let row = dh + batch.offsets[b] * C, src = dcls + b * C
            for c in 0..<C { row[c] += src[c] }
        }
    }
}
