import Foundation
import SiftData

/// Random oversampling of single-label data, as imbalanced-learn's `RandomOverSampler`
/// (`sampling_strategy="not majority"`): every example is kept and each smaller class gets
/// extra copies drawn with replacement until it has as many rows as the largest. `sift train
/// --oversample` draws afresh every epoch (seeded by the run's seed and the epoch, so a resumed
/// run draws what an uninterrupted one would), so the minority's duplicates differ between epochs.
public enum Oversampling {
    /// The rows of one epoch: all of `0..<classes.count`, then the extra draws (class by class).
    public static func epochRows(classes: [Int], seed: UInt64, epoch: Int) -> [Int] {
        var byClass: [Int: [Int]] = [:]
        for (r, c) in classes.enumerated() { byClass[c, default: []].append(r) }
        let target = byClass.values.map(\.count).max() ?? 0
        var rng = SeededGenerator(seed: seed ^ 0x0E85_A3B1 &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        var rows = Array(classes.indices)
        for c in byClass.keys.sorted() {
            let members = byClass[c]!
            for _ in 0..<(target - members.count) { rows.append(members[Int(rng.next() % UInt64(members.count))]) }
        }
        return rows
    }

    /// How many rows `epochRows` returns: the largest class's size times the number of classes.
    public static func epochCount(classes: [Int]) -> Int {
        var counts: [Int: Int] = [:]
        for c in classes { counts[c, default: 0] += 1 }
        return (counts.values.max() ?? 0) * counts.count
    }
}
