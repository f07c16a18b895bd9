import Foundation
import SiftData

/// Seeded shuffling with batches bucketed by length: each epoch shuffles the examples, cuts them
/// into windows of 50 batches, sorts each window by length and cuts it into batches, then
/// shuffles the batch order. Sequences in one batch have similar lengths, so packed attention
/// does little wasted work, while every epoch still sees a fresh random order. `rows` (default:
/// every example once) is the epoch's multiset of examples, e.g. with oversampled copies.
public enum Batching {
    public static func epochBatches(lengths: [Int], rows: [Int]? = nil, batchSize: Int, seed: UInt64, epoch: Int) -> [[Int]] {
        var rng = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
        var order = rows ?? Array(lengths.indices)
        order.shuffle(using: &rng)
        let window = batchSize * 50
        var batches: [[Int]] = []
        var start = 0
        while start < order.count {
            let chunk = order[start..<min(order.count, start + window)].sorted { lengths[$0] < lengths[$1] }
            var i = 0
            while i < chunk.count {
                batches.append(Array(chunk[i..<min(chunk.count, i + batchSize)]))
                i += batchSize
            }
            start += window
        }
        batches.shuffle(using: &rng)
        return batches
    }
}
