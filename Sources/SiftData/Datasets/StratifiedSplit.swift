/// Indices of the examples that go to each part of a split, each list in ascending order.
public struct SplitIndices: Sendable, Equatable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]
}

/// Seeded stratified train/validation/test splits.
///
/// Single-label: each class is shuffled and cut in the requested proportions, so every part
/// has (within rounding) the class balance of the whole. Multi-label: iterative stratification
/// (Sechidis, Tsoumakas & Vlahavas, 2011): examples of the rarest remaining label are placed
/// first, each into the part that still wants most of that label, which keeps rare labels
/// present in every part where plain per-combination stratification cannot.
public enum StratifiedSplit {
    public static func split(labels: [[String]], train: Double, validation: Double, test: Double,
                             seed: UInt64, multiLabel: Bool) throws -> SplitIndices {
        let fractions = [train, validation, test]
        guard fractions.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(fractions.reduce(0, +) - 1) < 1e-9 else {
            throw DataError.invalidArgument("split fractions must be non-negative and sum to 1 (got \(train), \(validation), \(test))")
        }
        var rng = SeededGenerator(seed: seed)
        var parts: [[Int]] = [[], [], []]
        if multiLabel {
            parts = iterative(labels: labels, fractions: fractions, rng: &rng)
        } else {
            // Group by the (single) label; classes in sorted order for determinism.
            var groups: [String: [Int]] = [:]
            for (i, l) in labels.enumerated() { groups[l.first ?? "", default: []].append(i) }
            let keys = groups.keys.sorted()
            let sizes = keys.map { groups[$0]!.count }
            // Per-class counts by largest remainder, so each part's total is exactly
            // round(N * fraction) while each class gets its share within one example.
            let nTest = apportion(sizes: sizes, fraction: test)
            let nVal = apportion(sizes: zip(sizes, nTest).map { $0 - $1 }, fraction: validation / max(1 - test, 1e-12))
            for (c, key) in keys.enumerated() {
                var idx = groups[key]!
                idx.seededShuffle(using: &rng)
                parts[2] += idx[0..<nTest[c]]
                parts[1] += idx[nTest[c]..<(nTest[c] + nVal[c])]
                parts[0] += idx[(nTest[c] + nVal[c])...]
            }
        }
        return SplitIndices(train: parts[0].sorted(), validation: parts[1].sorted(), test: parts[2].sorted())
    }

    /// Splits `fraction` of each class's size into whole examples: floors first, then the
    /// remaining examples to the classes with the largest remainders (ties: earlier class).
    static func apportion(sizes: [Int], fraction: Double) -> [Int] {
        let exact = sizes.map { Double($0) * fraction }
        var counts = exact.map { Int($0.rounded(.down)) }
        let target = Int((Double(sizes.reduce(0, +)) * fraction).rounded())
        let order = sizes.indices.sorted { (exact[$0] - Double(counts[$0]), -$0) > (exact[$1] - Double(counts[$1]), -$1) }
        var missing = target - counts.reduce(0, +)
        for c in order where missing > 0 && counts[c] < sizes[c] { counts[c] += 1; missing -= 1 }
        return counts
    }

    public static func split(_ dataset: LabeledDataset, train: Double, validation: Double, test: Double, seed: UInt64) throws -> SplitIndices {
        try split(labels: dataset.examples.map(\.labels), train: train, validation: validation, test: test,
                  seed: seed, multiLabel: dataset.multiLabel)
    }

    private static func iterative(labels: [[String]], fractions: [Double], rng: inout SeededGenerator) -> [[Int]] {
        let n = labels.count
        var order = Array(0..<n)
        order.seededShuffle(using: &rng)
        var wantTotal = fractions.map { $0 * Double(n) }
        var labelCount: [String: Int] = [:]
        for l in labels { for x in Set(l) { labelCount[x, default: 0] += 1 } }
        var want: [String: [Double]] = [:]
        for (l, c) in labelCount { want[l] = fractions.map { $0 * Double(c) } }
        var assigned = [Bool](repeating: false, count: n)
        var remaining = labelCount
        var parts: [[Int]] = [[], [], []]

        func place(_ i: Int, preferring label: String?) {
            var best: [Int] = []
            var bestKey = (-Double.infinity, -Double.infinity)
            for j in 0..<3 where fractions[j] > 0 {
                let key = (label.map { want[$0]![j] } ?? wantTotal[j], wantTotal[j])
                if key > bestKey { bestKey = key; best = [j] } else if key == bestKey { best.append(j) }
            }
            let j = best.count == 1 ? best[0] : best[Int(rng.next() % UInt64(best.count))]
            parts[j].append(i)
            assigned[i] = true
            wantTotal[j] -= 1
            for x in Set(labels[i]) {
                want[x]![j] -= 1
                remaining[x]! -= 1
            }
        }

        while true {
            // The label with the fewest unassigned examples (ties by name, for determinism).
            guard let (label, _) = remaining.filter({ $0.value > 0 }).min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) else { break }
            for i in order where !assigned[i] && labels[i].contains(label) { place(i, preferring: label) }
        }
        for i in order where !assigned[i] { place(i, preferring: nil) }   // examples with no label
        return parts
    }
}
