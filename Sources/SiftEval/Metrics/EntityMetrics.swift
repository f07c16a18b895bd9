import Foundation
import SiftData

/// How entities are read from tags for scoring (see `EntityChunks`).
public enum EntityEvaluationMode: Sendable, Hashable, Codable, RawRepresentable, CaseIterable {
    /// seqeval's default, conlleval-compatible: any tag sequence reads as entities.
    case lenient
    /// seqeval's `mode="strict"` with the scheme: only well-formed entities count.
    case strict(TagScheme)

    public static var allCases: [EntityEvaluationMode] { [.lenient] + TagScheme.allCases.map { .strict($0) } }

    /// `lenient`, `strict-iob2`, `strict-iobes`, …: the JSON value and the CLI spelling.
    public init?(rawValue: String) {
        if rawValue == "lenient" { self = .lenient; return }
        guard rawValue.hasPrefix("strict-"), let s = TagScheme(rawValue: String(rawValue.dropFirst(7))) else { return nil }
        self = .strict(s)
    }

    public var rawValue: String {
        switch self {
        case .lenient: "lenient"
        case .strict(let s): "strict-\(s.rawValue)"
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let raw = try c.decode(String.self)
        guard let mode = EntityEvaluationMode(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "unknown entity evaluation mode '\(raw)'")
        }
        self = mode
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// Why tag sequences cannot be scored. Sentences and tokens are 0-based indices into the
/// arrays given (the caller knows which file line each came from).
public enum EntityMetricsError: Error, LocalizedError, Sendable, Equatable {
    public enum Side: String, Sendable { case truth = "true", prediction = "predicted" }

    case sentenceCountMismatch(truth: Int, predicted: Int)
    case lengthMismatch(sentence: Int, truth: Int, predicted: Int)
    case emptyTag(Side?, sentence: Int, token: Int)
    /// Strict mode: a prefix letter the scheme does not use (seqeval raises too).
    case invalidTag(Side?, sentence: Int, token: Int, tag: String, scheme: TagScheme)

    public var errorDescription: String? {
        func at(_ side: Side?, _ sentence: Int, _ token: Int) -> String {
            (side.map { "\($0.rawValue) tags, " } ?? "") + "sentence \(sentence), token \(token) (0-based)"
        }
        switch self {
        case .sentenceCountMismatch(let t, let p):
            return "\(t) true tag sequences but \(p) predicted ones"
        case .lengthMismatch(let s, let t, let p):
            return "sentence \(s) (0-based) has \(t) true tags but \(p) predicted ones"
        case .emptyTag(let side, let s, let i):
            return "\(at(side, s, i)): empty tag"
        case .invalidTag(let side, let s, let i, let tag, let scheme):
            return "\(at(side, s, i)): '\(tag)' is not a tag of the \(scheme.rawValue.uppercased()) scheme (strict mode)"
        }
    }
}

/// Entity-level precision, recall and F1 per entity type with micro, macro and weighted
/// averages, and token accuracy: seqeval 1.2.2's `classification_report(output_dict=True)`,
/// `precision_score` / `recall_score` / `f1_score` (= `micro`) and `accuracy_score`, checked
/// figure by figure on `scripts/fixtures/make_seqeval_goldens.py`'s goldens.
///
/// Types are those found in the truth or the predictions, in code-point order; a type only in
/// the predictions has support 0 and precision 0, one only in the truth recall 0. A ratio whose
/// denominator is 0 is `zeroDivision` (seqeval's default "warn" gives 0); F1 is 2PR/(P+R), 0
/// when P+R is 0. JSON:
///
///     {"mode": "lenient", "types": [{"type": "LOC", "precision": 1, "recall": 0.5, "f1": 0.667,
///      "support": 2, "predicted": 1, "correct": 1}, …], "micro": {"precision", "recall", "f1"},
///      "macro": {…}, "weighted": {…}, "support": 7, "predicted": 6, "correct": 4,
///      "accuracy": 0.9, "tokens": 120, "sentences": 10, "zeroDivision": 0}
public struct EntityReport: Sendable, Codable, Equatable {
    public struct TypeScores: Sendable, Codable, Equatable {
        public var type: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        /// Entities of this type in the truth.
        public var support: Int
        public var predicted: Int
        /// Predicted entities equal to a true one (same type, same tokens).
        public var correct: Int
    }

    public var mode: EntityEvaluationMode
    public var types: [TypeScores]
    /// Over all entities pooled: what seqeval's `f1_score` etc. return by default.
    public var micro: PRF
    /// Unweighted mean over `types`. With no type at all seqeval gives NaN (numpy's mean of
    /// nothing); Sift gives `zeroDivision`, like micro and weighted, so the JSON stays valid.
    public var macro: PRF
    /// Mean over `types` weighted by support; with no true entity, seqeval's special case
    /// (precision and F1 `zeroDivision` if nothing was predicted either, else 0; recall
    /// `zeroDivision`).
    public var weighted: PRF
    public var support: Int
    public var predicted: Int
    public var correct: Int
    /// Share of tokens whose predicted tag equals the true tag (code point by code point); 0
    /// when there are no tokens (seqeval divides by zero).
    public var accuracy: Double
    public var tokens: Int
    public var sentences: Int
    public var zeroDivision: Double

    /// Scores `yPred` against `yTrue` (one tag sequence per sentence, equal lengths).
    /// - Parameters:
    ///   - suffix: tags carry their prefix at the end (`PER-B`), seqeval's `suffix=True`.
    ///   - zeroDivision: 0 (seqeval's default) or 1.
    public static func compute(yTrue: [[String]], yPred: [[String]], mode: EntityEvaluationMode = .lenient,
                               suffix: Bool = false, zeroDivision: Double = 0) throws(EntityMetricsError) -> EntityReport {
        guard yTrue.count == yPred.count else { throw .sentenceCountMismatch(truth: yTrue.count, predicted: yPred.count) }
        for (i, (t, p)) in zip(yTrue, yPred).enumerated() where t.count != p.count {
            throw .lengthMismatch(sentence: i, truth: t.count, predicted: p.count)
        }
        var types = TypeTable()
        let trueChunks: Set<EntityChunks.Chunk>, predChunks: Set<EntityChunks.Chunk>
        switch mode {
        case .lenient:
            trueChunks = Set(try EntityChunks.lenientCorpus(yTrue, side: .truth, suffix: suffix, types: &types))
            predChunks = Set(try EntityChunks.lenientCorpus(yPred, side: .prediction, suffix: suffix, types: &types))
        case .strict(let scheme):
            let rules = StrictRules.of(scheme)
            trueChunks = try strictChunks(yTrue, .truth, scheme, rules, suffix, &types)
            predChunks = try strictChunks(yPred, .prediction, scheme, rules, suffix, &types)
        }

        var trueCount: [Int: Int] = [:], predCount: [Int: Int] = [:], tpCount: [Int: Int] = [:]
        for c in trueChunks { trueCount[c.type, default: 0] += 1 }
        for c in predChunks {
            predCount[c.type, default: 0] += 1
            if trueChunks.contains(c) { tpCount[c.type, default: 0] += 1 }
        }
        let zd = zeroDivision
        let scored = types.sorted(Set(trueCount.keys).union(predCount.keys)).map { t in
            let (tp, pred, tru) = (tpCount[t] ?? 0, predCount[t] ?? 0, trueCount[t] ?? 0)
            let prf = seqevalPRF(tp: tp, pred: pred, true: tru, zeroDivision: zd)
            return TypeScores(type: types.names[t], precision: prf.precision, recall: prf.recall, f1: prf.f1,
                              support: tru, predicted: pred, correct: tp)
        }
        let (tp, pred, tru) = (tpCount.values.reduce(0, +), predChunks.count, trueChunks.count)
        let micro = seqevalPRF(tp: tp, pred: pred, true: tru, zeroDivision: zd)
        let k = Double(scored.count)
        let macro = scored.isEmpty ? PRF(precision: zd, recall: zd, f1: zd)
            : PRF(precision: scored.map(\.precision).reduce(0, +) / k, recall: scored.map(\.recall).reduce(0, +) / k,
                  f1: scored.map(\.f1).reduce(0, +) / k)
        let weighted: PRF
        if tru == 0 {
            weighted = PRF(precision: pred == 0 ? zd : 0, recall: zd, f1: pred == 0 ? zd : 0)
        } else {
            func mean(_ v: KeyPath<TypeScores, Double>) -> Double {
                scored.map { $0[keyPath: v] * Double($0.support) }.reduce(0, +) / Double(tru)
            }
            weighted = PRF(precision: mean(\.precision), recall: mean(\.recall), f1: mean(\.f1))
        }
        let acc = tokenAccuracy(yTrue: yTrue, yPred: yPred)
        return EntityReport(mode: mode, types: scored, micro: micro, macro: macro, weighted: weighted,
                            support: tru, predicted: pred, correct: tp, accuracy: acc.accuracy, tokens: acc.tokens,
                            sentences: yTrue.count, zeroDivision: zd)
    }

    /// seqeval's `accuracy_score`: equal tags over all tokens (0 when there are none).
    public static func tokenAccuracy(yTrue: [[String]], yPred: [[String]]) -> (accuracy: Double, tokens: Int) {
        var correct = 0, total = 0
        for (t, p) in zip(yTrue, yPred) {
            for (a, b) in zip(t, p) where a.utf8.elementsEqual(b.utf8) { correct += 1 }
            total += t.count
        }
        return (total == 0 ? 0 : Double(correct) / Double(total), total)
    }

    /// `_precision_recall_fscore_support` for one row: F from P and R (not from counts, as
    /// scikit-learn's newer code does), evaluated in numpy's order.
    static func seqevalPRF(tp: Int, pred: Int, true tru: Int, zeroDivision: Double) -> PRF {
        let p = pred == 0 ? zeroDivision : Double(tp) / Double(pred)
        let r = tru == 0 ? zeroDivision : Double(tp) / Double(tru)
        let denom = p + r
        return PRF(precision: p, recall: r, f1: 2 * p * r / (denom == 0 ? 1 : denom))
    }

    /// Chunks per sentence, positions made unique across sentences (seqeval keys them by
    /// sentence id).
    private static func strictChunks(_ seqs: [[String]], _ side: EntityMetricsError.Side, _ scheme: TagScheme,
                                     _ rules: StrictRules, _ suffix: Bool,
                                     _ types: inout TypeTable) throws(EntityMetricsError) -> Set<EntityChunks.Chunk> {
        let outside = StrictTag.outside(&types)
        var out = Set<EntityChunks.Chunk>()
        var offset = 0
        for (i, s) in seqs.enumerated() {
            let tags = try StrictTag.parse(s, sentence: i, side: side, scheme: scheme, suffix: suffix, types: &types)
            for c in EntityChunks.strictChunks(tags, rules: rules, outside: outside) {
                out.insert(EntityChunks.Chunk(type: c.type, start: c.start + offset, end: c.end + offset))
            }
            offset += s.count + 1
        }
        return out
    }
}
