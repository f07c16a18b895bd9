import ArgumentParser
import Foundation
import SiftData
import SiftEngine
import SiftEval
import SiftTrain

/// What `sift train` trains.
enum TrainingTask: String, ExpressibleByArgument, CaseIterable {
    /// A label (or labels) per text.
    case sequenceClassification = "sequence-classification"
    /// A tag per word: entities (BertForTokenClassification).
    case tokenClassification = "token-classification"
}

extension TagScheme: ExpressibleByArgument {}
extension EntityEvaluationMode: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// `--class-weights balanced` or a file of `label<TAB>weight` lines (or a JSON object).
enum ClassWeighting: ExpressibleByArgument {
    case balanced
    case file(String)

    init?(argument: String) { self = argument == "balanced" ? .balanced : .file(argument) }

    /// scikit-learn's `compute_class_weight("balanced")`: n / (k · count) over the labels that
    /// occur; a label that never occurs keeps weight 1.
    static func balanced(counts: [String: Int]) -> [String: Double] {
        let present = counts.filter { $0.value > 0 }
        let n = Double(present.values.reduce(0, +)), k = Double(present.count)
        return present.mapValues { n / (k * Double($0)) }
    }

    func resolve(counts: [String: Int]) throws -> [String: Double] {
        switch self {
        case .balanced: return Self.balanced(counts: counts)
        case .file(let path): return try Self.read(path, known: Set(counts.keys))
        }
    }

    static func read(_ path: String, known: Set<String>) throws -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationErrorMessage("--class-weights: cannot read \(path)") }
        var out: [String: Double] = [:]
        if let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for (k, v) in obj {
                guard let w = (v as? NSNumber)?.doubleValue else { throw ValidationErrorMessage("\(path): weight of '\(k)' is not a number") }
                out[k] = w
            }
        } else {
            for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let l = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if l.isEmpty || l.hasPrefix("#") { continue }
                let parts = l.split(separator: "\t")
                guard parts.count == 2, let w = Double(parts[1].trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationErrorMessage("\(path):\(i + 1): expected label<TAB>weight")
                }
                out[String(parts[0])] = w
            }
        }
        for (k, w) in out {
            guard known.contains(k) else { throw ValidationErrorMessage("\(path): '\(k)' is not a label of the training data (\(known.sorted().joined(separator: ", ")))") }
            guard w > 0, w.isFinite else { throw ValidationErrorMessage("\(path): weight of '\(k)' must be a positive number, found \(w)") }
        }
        return out
    }
}

extension TrainCommand {
    /// `sift train --task token-classification`: tagged data in, a BertForTokenClassification folder out.
    func runTokenClassification() throws {
        let log = CLILog.logger("sift.train")
        log.info("machine: \(BLAS.machineDescription)")
        func read(_ path: String) throws -> [TaggedExample] {
            try TaggedDataReader(url: URL(fileURLWithPath: path), options: TaggedReadOptions(validator: TagValidator(scheme: tagScheme))).readAll()
        }
        var trainSet = try read(train)
        guard !trainSet.isEmpty else { throw ValidationErrorMessage("\(train): no sentences (CoNLL: token<TAB>tag lines, a blank line between sentences; or JSONL)") }
        var evalSet: [TaggedExample]
        var evalSource = eval ?? "\(train) (validation split)"
        if let eval {
            evalSet = try read(eval)
        } else {
            // A seeded split of whole sentences; the rest trains.
            var order = Array(trainSet.indices)
            var rng = SeededGenerator(seed: seed)
            order.seededShuffle(using: &rng)
            let k = max(1, Int((Double(trainSet.count) * evalSplit).rounded()))
            guard trainSet.count > k else { throw ValidationErrorMessage("\(train): \(trainSet.count) sentence(s) cannot be split into training and validation; give --validation") }
            let held = Set(order.prefix(k))
            evalSet = trainSet.indices.filter(held.contains).map { trainSet[$0] }
            trainSet = trainSet.indices.filter { !held.contains($0) }.map { trainSet[$0] }
            evalSource = "\(train) (\(k) sentences held out for validation)"
        }
        let testSet = try test.map(read)
        var collector = TagLabels.Collector()
        for ex in trainSet { collector.add(ex) }
        let labels = collector.labels(scheme: tagScheme)
        var options = options()
        options.metric = metric == .loss ? .loss : .microF1
        if let classWeights {
            // Counted over words (the tokens that carry labels), as the loss sees them.
            var counts = Dictionary(uniqueKeysWithValues: labels.map { ($0, 0) })
            for ex in trainSet {
                if case .words(let s) = ex { for t in s.tags { counts[t, default: 0] += 1 } }
                else { let a = ex.annotatedText; for s in a.spans { counts["B-" + s.label, default: 0] += 1 } }
            }
            options.classWeights = try classWeights.resolve(counts: counts)
            let weights = labels.map { "\($0) \(String(format: "%.3g", options.classWeights?[$0] ?? 1))" }.joined(separator: ", ")
            log.info("class weights: \(weights)")
        }
        log.info("train: \(trainSet.count) sentences, validation: \(evalSet.count)\(testSet.map { ", test: \($0.count) (scored once at the end)" } ?? ""), labels: \(labels.joined(separator: ", "))")
        let trainer = try TokenClassificationTrainer(base: URL(fileURLWithPath: base), train: trainSet, eval: evalSet, test: testSet,
                                                     labels: labels, options: options, labelAllTokens: labelAllTokens,
                                                     evaluationMode: entityEval, out: URL(fileURLWithPath: out),
                                                     sources: (train, evalSource, test))
        trainer.logger = log
        let s = try trainer.run(resume: resume)
        func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }
        var lines = ["validation (used for selection): best \(options.metric == .loss ? "loss" : "entity micro-F1") \(f(s.best)) at epoch \(s.bestEpoch ?? 0)"
                     + (s.stoppedEarly ? " (stopped early)" : "")]
        if let t = s.test {
            lines.append("test (scored once, \(t.sentences) sentences): entity precision \(f(t.micro.precision)), recall \(f(t.micro.recall)), micro-F1 \(f(t.micro.f1)), macro-F1 \(f(t.macro.f1)); written to \(trainer.testMetricsURL.path)")
        }
        lines.append("model in \(out)")
        print(lines.joined(separator: "\n"))
    }
}
