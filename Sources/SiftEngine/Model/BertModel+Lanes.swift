/// Inference over several cores by splitting a batch into "lanes": contiguous groups of whole
/// sequences with about the same cost, each run through the whole encoder by its own thread with
/// single-threaded OpenBLAS and its own activation workspace.
///
/// Why not let OpenBLAS thread each sgemm: measured on 2 cores, one single-threaded forward
/// reaches ~80% of the one-core sgemm roof, while a 2-thread OpenBLAS forward reaches ~60% of the
/// two-core roof (every sgemm and every elementwise op becomes a synchronization point, and the
/// LayerNorm/GELU/softmax loops stay serial). Lanes synchronize once per forward.
extension BertModel {
    /// Relative cost of a sequence of length t: dense layers are linear in t, attention quadratic
    /// (4·t²·C against 2·t·(4C² + 2CI) multiply-adds per layer).
    static func laneCost(_ t: Int, _ config: BertConfig) -> Double {
        let C = Double(config.hiddenSize), I = Double(config.intermediateSize)
        return Double(t) * 2 * (4 * C * C + 2 * C * I) + 4 * Double(t * t) * C
    }

    /// Sequence boundaries [0 = s0 < s1 < … < sk = B] splitting the batch into at most `lanes`
    /// contiguous parts of about equal cost (every part non-empty).
    static func laneBounds(_ batch: PackedBatch, lanes: Int, config: BertConfig) -> [Int] {
        let B = batch.batchSize
        let k = max(1, min(lanes, B))
        let costs = (0..<B).map { laneCost(batch.length($0), config) }
        let total = costs.reduce(0, +)
        var bounds = [0], acc = 0.0
        for b in 0..<B {
            acc += costs[b]
            let part = bounds.count  // the part being filled is part-1; close it at its share
            let remainingParts = k - part
            let remainingSeqs = B - (b + 1)
            // Close the part at its share of the cost, or when every later part needs one of
            // the sequences left.
            if part < k, remainingSeqs >= remainingParts,
               acc >= total * Double(part) / Double(k) || remainingSeqs == remainingParts {
                bounds.append(b + 1)
            }
        }
        if bounds.last != B { bounds.append(B) }
        return bounds
    }

    /// `forward` for inference when `acts.workers > 1` and the batch has several sequences.
    /// Results land in `acts` exactly where a one-lane forward puts them.
    func forwardInLanes(_ batch: PackedBatch, acts: Activations, outputs: Outputs) throws {
        let bounds = Self.laneBounds(batch, lanes: acts.workers, config: config)
        let k = bounds.count - 1
        let parts = (0..<k).map { batch.slice(sequences: bounds[$0]..<bounds[$0 + 1]) }
        let lanes = acts.lanes(k)
        acts.reserve(batch, outputsOnly: true)
        let errors = LaneErrors(k)
        BLAS.singleThreaded {
            Parallel.run(k) { lane in
                do { try self.forward(parts[lane], acts: lanes[lane], outputs: outputs) } catch { errors.set(lane, error) }
            }
        }
        if let e = errors.first { throw e }
        let C = config.hiddenSize, L = layout.numLabels ?? 0
        for lane in 0..<k {
            let row0 = batch.offsets[bounds[lane]], seq0 = bounds[lane]
            let part = parts[lane], la = lanes[lane]
            (acts.lastHidden + row0 * C).update(from: la.lastHidden, count: part.tokenCount * C)
            if outputs.contains(.pooler) {
                (acts.clsRows + seq0 * C).update(from: la.clsRows, count: part.batchSize * C)
                (acts.pooled + seq0 * C).update(from: la.pooled, count: part.batchSize * C)
            }
            if outputs.contains(.logits) {
                (acts.logits + seq0 * L).update(from: la.logits, count: part.batchSize * L)
            }
        }
    }
}

/// One error slot per lane, written by that lane's thread only.
private final class LaneErrors: @unchecked Sendable {
    private var slots: [Error?]
    init(_ n: Int) { slots = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ e: Error) { slots[i] = e }
    var first: Error? { slots.compactMap { $0 }.first }
}
