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

/// `--class-weights` / `--pos-weight`: `balanced`, a number (`--pos-weight` only is it useful) or a file.
extension LabelWeighting: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
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
            options.classWeights = try classWeights.classWeights(counts: counts)
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
