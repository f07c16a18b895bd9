import Foundation

/// How many positive and negative pairs an epoch of contrastive training sees (SetFit's
/// `sampling_strategy`).
public enum PairSampling: String, Sendable, CaseIterable, Codable {
    /// As many of each as the larger kind has: the smaller kind is repeated (SetFit's default).
    case oversampling
    /// As many of each as the smaller kind has.
    case undersampling
    /// Every distinct pair once.
    case unique
}

/// One training pair: indices into the example list and the target similarity (1 same class,
/// 0 different).
public struct ContrastivePair: Sendable, Equatable {
    public var first: Int
    public var second: Int
    public var label: Float
    public init(first: Int, second: Int, label: Float) { self.first = first; self.second = second; self.label = label }
}

/// SetFit's `ContrastiveDataset` (setfit 1.2 `sampler.py`), pair for pair:
/// - every unordered pair of examples, self-pairs included (`triu_indices(n, 0)`), visited in
///   the order of numpy's `RandomState(42).permutation` — SetFit fixes that seed, so Sift does;
/// - a pair is positive when the labels are equal (multi-label: when they share any label);
///   `maxPairs` stops collecting a kind once it holds `maxPairs / 2`;
/// - each kind is then cycled to `numIterations × n` (when given) or to the strategy's count,
///   and the epoch interleaves them: positive, negative, positive, …, the longer kind's rest last.
public struct ContrastivePairSampler: Sendable {
    public var sampling: PairSampling
    public var numIterations: Int?
    public var maxPairs: Int?
    /// SetFit's `shuffle_combinations` seed (fixed there, not the training seed).
    public static let combinationSeed: UInt32 = 42

    public init(sampling: PairSampling = .oversampling, numIterations: Int? = nil, maxPairs: Int? = nil) {
        self.sampling = sampling; self.numIterations = numIterations; self.maxPairs = maxPairs
    }

    /// Pairs for single-label examples (one class index each).
    public func pairs(classes: [Int]) throws -> [ContrastivePair] {
        try pairs(count: classes.count) { classes[$0] == classes[$1] }
    }

    /// Pairs for multi-label examples (a label set each).
    public func pairs(labelSets: [Set<Int>]) throws -> [ContrastivePair] {
        try pairs(count: labelSets.count) { !labelSets[$0].isDisjoint(with: labelSets[$1]) }
    }

    func pairs(count n: Int, positive: (Int, Int) -> Bool) throws -> [ContrastivePair] {
        guard n > 0 else { throw TrainError.badInput("contrastive pairs need at least one example") }
        // triu_indices(n, k=0), row-major.
        var combos: [(Int, Int)] = []
        combos.reserveCapacity(n * (n + 1) / 2)
        for i in 0..<n { for j in i..<n { combos.append((i, j)) } }
        var rng = NumpyRandomState(seed: Self.combinationSeed)
        let limit = maxPairs.map { $0 / 2 }
        var pos: [ContrastivePair] = [], neg: [ContrastivePair] = []
        for k in rng.permutation(combos.count) {
            let (a, b) = combos[k]
            let posFull = limit.map { pos.count >= $0 } ?? false
            let negFull = limit.map { neg.count >= $0 } ?? false
            if positive(a, b) {
                if !posFull { pos.append(ContrastivePair(first: a, second: b, label: 1)) }
            } else if !negFull {
                neg.append(ContrastivePair(first: a, second: b, label: 0))
            }
            if posFull && negFull { break }
        }
        let lengths: (Int, Int)
        if let it = numIterations, it > 0 {
            lengths = (it * n, it * n)
        } else {
            switch sampling {
            case .unique: lengths = (pos.count, neg.count)
            case .undersampling: let m = min(pos.count, neg.count); lengths = (m, m)
            case .oversampling: let m = max(pos.count, neg.count); lengths = (m, m)
            }
        }
        if lengths.0 > 0 && pos.isEmpty || lengths.1 > 0 && neg.isEmpty {
            throw TrainError.badInput(pos.isEmpty
                ? "no two examples share a label, so there are no positive pairs"
                : "every example shares a label with every other, so there are no negative pairs (need at least two classes)")
        }
        func cycle(_ kind: [ContrastivePair], _ count: Int) -> [ContrastivePair] {
            (0..<count).map { kind[$0 % kind.count] }
        }
        let p = cycle(pos, lengths.0), q = cycle(neg, lengths.1)
        var out: [ContrastivePair] = []
        out.reserveCapacity(p.count + q.count)
        for i in 0..<max(p.count, q.count) {
            if i < p.count { out.append(p[i]) }
            if i < q.count { out.append(q[i]) }
        }
        return out
    }
}
