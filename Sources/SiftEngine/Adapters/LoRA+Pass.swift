import Foundation

// The LoRA branch of an adapted layer, forward and backward, and merging it into the base weight.
// With x' = dropout(x) [N, in], u = x'·Aᵀ [N, r] and y += s · u·Bᵀ, the backward given ∂y [N, out]:
//   ∂B += s · ∂yᵀ·u,   ∂u = s · ∂y·B,   ∂A += ∂uᵀ·x',   ∂x += (∂u·A) ⊙ mask.
// Each is one sgemm; the r-wide intermediates cost little next to the layer's own product.

/// What the LoRA branches of a forward keep for the backward: u = x'·Aᵀ per adapted layer and,
/// with dropout, the dropped input x'; plus the backward's scratch. Buffers grow and are reused.
final class LoRAActivations {
    private var u: [LoRASite: GrowableBuffer] = [:]
    private var dropped: [LoRASite: GrowableBuffer] = [:]
    private var usesDropped: Set<LoRASite> = []
    let du = GrowableBuffer(), dx = GrowableBuffer()

    func projection(_ site: LoRASite, count: Int) -> UnsafeMutablePointer<Float> {
        let b = u[site] ?? GrowableBuffer()
        u[site] = b
        b.reserve(count)
        return b.base
    }

    /// [N, in] room for the dropped input of `site` (marked used by this forward).
    func droppedInput(_ site: LoRASite, count: Int) -> UnsafeMutablePointer<Float> {
        let b = dropped[site] ?? GrowableBuffer()
        dropped[site] = b
        b.reserve(count)
        usesDropped.insert(site)
        return b.base
    }

    /// The input the branch of `site` saw in the last forward: the dropped copy, or nil (x itself).
    func lastDroppedInput(_ site: LoRASite) -> UnsafeMutablePointer<Float>? {
        usesDropped.contains(site) ? dropped[site]?.base : nil
    }

    func startForward() { usesDropped = [] }
}

extension BertModel {
    /// y[:, ·] += s · B·A·dropout(x) for one adapted layer. `out` points at the layer's first
    /// output column, rows `ldOut` apart (3C inside the fused Q|K|V output).
    func loraForward(_ site: LoRASite, _ w: LoRAWeights, inp: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                     ldOut: Int, rows N: Int, acts: Activations, drop: DropoutMasks?) {
        let f = site.module.features(config), r = w.rank, p = parameters
        let store = acts.adapters
        var x = inp
        if let drop, drop.rates.lora > 0 {
            let copy = store.droppedInput(site, count: N * f.input)
            copy.update(from: inp, count: N * f.input)
            drop.lora(site, features: f.input, applyTo: copy)
            x = UnsafePointer(copy)
        }
        let u = store.projection(site, count: N * r)
        BLAS.sgemm(transA: false, transB: true, m: N, n: r, k: f.input, a: x, lda: f.input,
                   b: p.pointer(w.a), ldb: f.input, beta: 0, c: u, ldc: r)
        BLAS.sgemm(transA: false, transB: true, m: N, n: f.output, k: r, alpha: lora?.config.scale ?? 1, a: u, lda: r,
                   b: p.pointer(w.b), ldb: r, beta: 1, c: out, ldc: ldOut)
    }

    /// The backward of `loraForward`: ADDS ∂A, ∂B into `grads` (when given) and ∂x into `dinp`
    /// (when given), from ∂y at `dout` (rows `ldOut` apart).
    func loraBackward(_ site: LoRASite, _ w: LoRAWeights, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, ldOut: Int,
                      dinp: UnsafeMutablePointer<Float>?, grads: ParameterBuffer?, rows N: Int, acts: Activations) {
        guard grads != nil || dinp != nil else { return }
        let f = site.module.features(config), r = w.rank, p = parameters, s = lora?.config.scale ?? 1
        let store = acts.adapters
        let x = store.lastDroppedInput(site).map { UnsafePointer($0) } ?? inp
        let u = store.projection(site, count: N * r)
        if let grads {
            BLAS.sgemm(transA: true, transB: false, m: f.output, n: r, k: N, alpha: s, a: dout, lda: ldOut,
                       b: u, ldb: r, beta: 1, c: grads.pointer(w.b), ldc: r)
        }
        let du = store.du.zeroed(N * r)
        BLAS.sgemm(transA: false, transB: false, m: N, n: r, k: f.output, alpha: s, a: dout, lda: ldOut,
                   b: p.pointer(w.b), ldb: r, beta: 0, c: du, ldc: r)
        if let grads {
            BLAS.sgemm(transA: true, transB: false, m: r, n: f.input, k: N, a: du, lda: r,
                       b: x, ldb: f.input, beta: 1, c: grads.pointer(w.a), ldc: f.input)
        }
        guard let dinp else { return }
        if let m = acts.dropout?.mask(.lora(site)) {
            let dx = store.dx.zeroed(N * f.input)
            BLAS.sgemm(transA: false, transB: false, m: N, n: f.input, k: r, a: du, lda: r,
                       b: p.pointer(w.a), ldb: f.input, beta: 0, c: dx, ldc: f.input)
            for i in 0..<(N * f.input) { dinp[i] += dx[i] * m[i] }
        } else {
            BLAS.sgemm(transA: false, transB: false, m: N, n: f.input, k: r, a: du, lda: r,
                       b: p.pointer(w.a), ldb: f.input, beta: 1, c: dinp, ldc: f.input)
        }
    }

    /// A copy without adapters whose adapted weights are W + s·B·A (PEFT's `merge_and_unload`):
    /// the same outputs at the cost of the plain model, and a folder any loader takes.
    public func mergingAdapters() -> BertModel {
        guard let lora else { return self }
        let merged = BertModel(config: config, pooler: layout.hasPooler, head: head)
        for e in merged.layout.entries {
            guard let src = layout[id: e.id] else { preconditionFailure("\(e.id) is missing from the adapted layout") }
            (merged.parameters.base + e.offset).update(from: parameters.base + src.offset, count: e.count)
        }
        BLAS.threaded {
            for site in lora.sites {
                guard let w = weights.lora[site], let base = merged.layout[id: site.module.weight(layer: site.layer)] else { continue }
                let f = site.module.features(config)
                BLAS.sgemm(transA: false, transB: false, m: f.output, n: f.input, k: w.rank, alpha: lora.config.scale,
                           a: parameters.pointer(w.b), lda: w.rank, b: parameters.pointer(w.a), ldb: f.input,
                           beta: 1, c: merged.parameters.base + base.offset, ldc: f.input)
            }
        }
        return merged
    }
}
