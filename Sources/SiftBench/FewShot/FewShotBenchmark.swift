import Foundation
import Logging
import SiftCore
import SiftData
import SiftEngine
import SiftEval
import SiftInference
import SiftTrain

/// Few- and zero-label quality on BBC news: the SetFit method against logistic regression on
/// frozen embeddings of the same few documents, over several seeds (each seed draws its own
/// documents per class), and embedding zero-shot from the label names alone. Every method is
/// scored once on the same held-out test split, which nothing was chosen on.
public struct FewShotBenchmark {
    public struct Options: Sendable {
        public var examplesPerClass = 8
        public var seeds: [UInt64] = [1, 2, 3, 4, 5]
        public var maxLength = 128
        public var setFit = SetFitOptions()
        /// Inverse L2 strengths of the frozen-embedding baselines (SetFit's head default and the
        /// reference figure's setting in shared/DATA.md).
        public var baselineC: [Double] = [1, 10]
        public init() {}
    }

    /// One method's test figures for one seed.
    public struct Score: Sendable {
        public var method: String
        public var seed: UInt64?
        public var accuracy: Double
        public var macroF1: Double
        public var seconds: Double
    }

    public let base: URL
    public let train: LabeledDataset
    public let test: LabeledDataset
    public let options: Options
    public let work: URL
    public var logger = Logger(label: "sift.bench.fewshot")

    /// - bbc: the corpus; exact duplicates (whitespace-collapsed) are removed, then a stratified
    ///   80/20 split with seed 42, as shared/DATA.md's reference figures.
    public init(base: URL, bbc: LabeledDataset, options: Options, work: URL) throws {
        var seen = Set<String>()
        let unique = LabeledDataset(examples: bbc.examples.filter { seen.insert(TextNormalization.duplicateKey($0.text)).inserted },
                                    labelNames: bbc.labelNames)
        let split = try StratifiedSplit.split(unique, train: 0.8, validation: 0, test: 0.2, seed: 42)
        train = LabeledDataset(examples: split.train.map { unique.examples[$0] }, labelNames: unique.labelNames)
        test = LabeledDataset(examples: split.test.map { unique.examples[$0] }, labelNames: unique.labelNames)
        self.base = base; self.options = options; self.work = work
    }

    /// The documents each seed draws (`WORK/seed-N/fewshot.jsonl`) and the test split
    /// (`WORK/test.jsonl`), as {"text", "label"} lines, so a reference run (bench/setfit_reference.py)
    /// trains and scores on exactly the same documents.
    public func writeSplits() throws {
        func write(_ d: LabeledDataset, _ url: URL) throws {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var lines = ""
            for e in d.examples {
                let data = try JSONSerialization.data(withJSONObject: ["text": e.text, "label": e.label], options: [.sortedKeys])
                lines += String(decoding: data, as: UTF8.self) + "\n"
            }
            try AtomicWriter.write(Data(lines.utf8), to: url)
        }
        try write(test, work.appendingPathComponent("test.jsonl"))
        for seed in options.seeds {
            try write(try FewShotSample.perClass(train, count: options.examplesPerClass, seed: seed),
                      work.appendingPathComponent("seed-\(seed)/fewshot.jsonl"))
        }
    }

    /// Runs everything; `report` gets each score as it is measured.
    public func run(report: (Score) -> Void) throws -> [Score] {
        var scores: [Score] = []
        func add(_ s: Score) { scores.append(s); report(s) }
        let labels = train.labelNames
        let yTest = test.labelIndices
        let frozen = try ModelBundle(directory: base, maxLength: options.maxLength, withClassifier: false)
        let runner = OfflineRunner(bundle: frozen, batchSize: 32)

        // Zero-shot from the label names alone: no labeled document at all.
        var t0 = Date()
        let zs = try ZeroShotClassifier(bundle: frozen, labels: labels)
        let zsResults = try runner.zeroShot(zs, texts: test.examples.map(\.text))
        let zsPred = zsResults.map { labels.firstIndex(of: $0.labels[0])! }
        add(score("zero-shot (embeddings, label names)", nil, pred: zsPred, yTest, labels, Date().timeIntervalSince(t0)))

        // Frozen embeddings, once for every document the seeds can draw and for the test split.
        t0 = Date()
        let testVectors = try runner.embed(test.examples.map(\.text)).map { $0.map(Double.init) }
        let embedSeconds = Date().timeIntervalSince(t0)
        for seed in options.seeds {
            let few = try FewShotSample.perClass(train, count: options.examplesPerClass, seed: seed)
            logger.info("seed \(seed): \(few.examples.count) documents (\(options.examplesPerClass) per class)")
            // Baselines: logistic regression on the frozen encoder's embeddings of the same documents.
            let x = try runner.embed(few.examples.map(\.text)).map { $0.map(Double.init) }
            for c in options.baselineC {
                t0 = Date()
                let m = try LogisticRegression(c: c).fit(x, .classes(few.labelIndices, count: labels.count))
                let pred = testVectors.map { v in argmax(m.probabilities(v)) }
                add(score("frozen embeddings + logistic regression (C \(format(c)))", seed, pred: pred, yTest, labels,
                          Date().timeIntervalSince(t0) + embedSeconds))
            }
            // SetFit: contrastive body training on pairs of the same documents, then its head.
            t0 = Date()
            var o = options.setFit
            o.maxLength = options.maxLength; o.seed = seed; o.examplesPerClass = nil
            let trainer = try SetFitTrainer(base: base, train: few, validation: nil, test: test, options: o,
                                            out: work.appendingPathComponent("setfit-seed-\(seed)"))
            trainer.logger = logger
            let s = try trainer.run()
            add(Score(method: "SetFit (MiniLM body + logistic regression)", seed: seed, accuracy: s.test?.accuracy ?? 0,
                      macroF1: s.test?.macroF1 ?? 0, seconds: Date().timeIntervalSince(t0)))
        }
        return scores
    }

    func score(_ method: String, _ seed: UInt64?, pred: [Int], _ y: [Int], _ labels: [String], _ seconds: Double) -> Score {
        let ev = SingleLabelEvaluation.compute(yTrue: y, yPred: pred, labels: labels)
        return Score(method: method, seed: seed, accuracy: ev.accuracy, macroF1: ev.macro.f1, seconds: seconds)
    }

    /// Mean and sample standard deviation of each method's accuracy and macro-F1 over seeds.
    public static func summary(_ scores: [Score]) -> [(method: String, runs: Int, accuracy: (Double, Double), macroF1: (Double, Double))] {
        var order: [String] = []
        for s in scores where !order.contains(s.method) { order.append(s.method) }
        return order.map { m in
            let r = scores.filter { $0.method == m }
            return (m, r.count, meanSD(r.map(\.accuracy)), meanSD(r.map(\.macroF1)))
        }
    }

    static func meanSD(_ v: [Double]) -> (Double, Double) {
        let mean = v.reduce(0, +) / Double(max(v.count, 1))
        guard v.count > 1 else { return (mean, 0) }
        return (mean, (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot())
    }
}

private func argmax(_ v: [Double]) -> Int { v.indices.max { v[$0] < v[$1] } ?? 0 }
private func format(_ c: Double) -> String { c == c.rounded() ? String(Int(c)) : String(c) }
