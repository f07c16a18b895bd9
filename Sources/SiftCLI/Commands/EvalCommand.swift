import ArgumentParser
import Foundation
import SiftData
import SiftEngine
import SiftEval
import SiftInference
import SiftTrain

/// `sift eval MODEL_DIR --data FILE`: metrics table, `--json`, `--predictions`, `--report DIR`.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a classifier folder on labeled data: metrics, predictions and an HTML report.",
        discussion: """
        Labels in the data must be among the model's (config.json id2label); others stop the run \
        with the line, or are skipped and counted with --skip-bad. With --from-predictions FILE \
        (a file written by --predictions) no model is run: metrics and the report are recomputed. \
        Multi-label models use sigmoid scores and per-label thresholds: 0.5, or tuned to maximize \
        each label's F1 on --tune-on VALIDATION_FILE.
        """)

    @Argument(help: "A fine-tuned classifier folder (config.json with id2label, model.safetensors, vocab).") var modelDir: String?
    @Option(help: "Labeled evaluation data (CSV, TSV, JSONL).") var data: String?
    @OptionGroup var dataOptions: DataFileOptions
    @Option(help: "Write the metrics as JSON here.") var json: String?
    @Option(help: "Write one JSON line per example here (text, gold, predicted, scores).") var predictions: String?
    @Option(help: "Write an HTML report (index.html) into this folder.") var report: String?
    @Option(help: "Trainer log (JSONL) for the report's training curves; default: MODEL_DIR/training_log.jsonl when present.") var trainingLog: String?
    @Option(help: "Recompute from a predictions file instead of running a model.") var fromPredictions: String?
    @Option(help: "Multi-label: tune per-label thresholds on this labeled validation file.") var tuneOn: String?
    @Option(help: "Texts per forward pass.") var batchSize: Int = 32
    @Option(help: "Tokens per text (default: the model's).") var maxLength: Int?
    @Flag(help: "Skip rows with empty text or unknown/missing labels (counted) instead of stopping.") var skipBad = false
    @OptionGroup var longText: LongTextCLIOptions
    @Option(help: "Token classification: the data's tag scheme (iob2, iob1, iobes, ...).") var tagScheme: TagScheme = .iob2
    @Option(help: "Token classification: lenient (seqeval's default) or strict-iob2, strict-iobes, ...") var entityEval: EntityEvaluationMode = .lenient
    @OptionGroup var precision: PrecisionOptions

    func validate() throws {
        if fromPredictions == nil {
            guard modelDir != nil else { throw ValidationError("give MODEL_DIR (or --from-predictions FILE)") }
            guard data != nil else { throw ValidationError("--data FILE is required") }
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        var set: PredictionSet
        var comparison: (String, PrecisionComparison)?
        var facts: [(String, String)] = []
        if let fromPredictions {
            set = try PredictionSet.readJSONL(url: URL(fileURLWithPath: fromPredictions))
            facts.append(("predictions", fromPredictions))
        } else {
            let folder = URL(fileURLWithPath: modelDir!)
            if (try? BertConfig.load(folder.appendingPathComponent("config.json")))?.isTokenClassification == true {
                return try runEntities(try ModelBundle(directory: folder, maxLength: maxLength), modelDir: modelDir!, data: data!)
            }
            let runner = try EvalRunner(modelDir: URL(fileURLWithPath: modelDir!), maxLength: maxLength, batchSize: batchSize,
                                        longText: longText.options)
            let policy: BadRowPolicy = skipBad ? .skip : .fail
            // Below fp32, the same data is scored in fp32 first and the change printed after the table.
            var reference: PredictionSet?
            if precision.precision != .fp32 {
                try runner.bundle.usePrecision(.fp32)
                reference = try runner.predict(url: URL(fileURLWithPath: data!), options: dataOptions, policy: policy).0
            }
            let selection = try precision.apply(to: runner.bundle, verbose: true)
            let (s, skipped) = try runner.predict(url: URL(fileURLWithPath: data!), options: dataOptions, policy: policy)
            set = s
            if let reference, let p = selection.precision, p != .fp32 {
                comparison = (selection.description, PrecisionComparison(reference: reference, candidate: set))
            }
            facts.append(("precision", selection.description))
            if skipped.total > 0 { CLILog.logger("sift.eval").warning("\(skipped)") }
            if let tuneOn, set.multiLabel {
                let (val, _) = try runner.predict(url: URL(fileURLWithPath: tuneOn), options: dataOptions, policy: policy)
                let y = val.examples.map { e in val.labels.indices.map { e.gold.contains($0) } }
                set.thresholds = ThresholdTuning.tune(yTrue: y, scores: val.examples.map(\.scores)).thresholds
                facts.append(("thresholds tuned on", tuneOn))
            }
            facts.insert(contentsOf: [("model", modelDir!), ("data", data!)], at: 0)
        }
        print(EvalOutput.table(set))
        if let (name, c) = comparison { print(EvalOutput.comparison(c, precision: name)) }
        if let json { try EvalOutput.writeJSON(set, to: URL(fileURLWithPath: json)) }
        if let predictions { try set.writeJSONL(to: URL(fileURLWithPath: predictions)) }
        if let report {
            var log: TrainingCurves?
            let logURL = trainingLog.map { URL(fileURLWithPath: $0) } ?? modelDir.map { URL(fileURLWithPath: $0).appendingPathComponent("training_log.jsonl") }
            if let logURL, FileManager.default.fileExists(atPath: logURL.path) { log = try TrainingCurves.read(url: logURL) }
            let page = try HTMLReport(title: "Evaluation: \(URL(fileURLWithPath: modelDir ?? fromPredictions ?? "model").lastPathComponent)",
                                      predictions: set, trainingLog: log, facts: facts).write(to: URL(fileURLWithPath: report))
            CLILog.logger("sift.eval").info("report: \(page.path)")
        }
    }
}

/// Runs a classifier folder over labeled data through the pipeline and collects scores.
struct EvalRunner {
    let bundle: ModelBundle
    let runner: OfflineRunner
    let classifier: any TextClassifier
    let longText: LongTextOptions

    init(modelDir: URL, maxLength: Int?, batchSize: Int = 32, longText: LongTextOptions = .truncate) throws {
        let bundle = try ModelBundle(directory: modelDir, maxLength: maxLength)
        self.bundle = bundle
        classifier = try bundle.requireClassifier()
        try bundle.encoder.validate(longText)
        self.longText = longText
        guard classifier.problemType != .regression else {
            throw ValidationError("\(modelDir.path) is a regression model; sift eval evaluates classifiers")
        }
        runner = OfflineRunner(bundle: bundle, batchSize: batchSize)
    }

    var labels: [String] { classifier.labels }
    var multiLabel: Bool { classifier.problemType == .multiLabel }

    /// Loads a labeled file (labels must be the model's) and scores it.
    func predict(url: URL, options: DataFileOptions, policy: BadRowPolicy) throws -> (PredictionSet, SkipReport) {
        var opts = try options.readOptions()
        if opts.labelColumn == nil { opts.labelColumn = "label" }
        let ds = try LabeledDataset.load(url: url, options: opts, multiLabel: multiLabel, knownLabels: labels, policy: policy)
        return (try predict(dataset: ds), ds.skipped)
    }

    /// Scores every example of an in-memory dataset, in order (gold labels by the model's label index).
    func predict(dataset: LabeledDataset) throws -> PredictionSet {
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        var examples: [PredictedExample] = []
        examples.reserveCapacity(dataset.examples.count)
        var pending = dataset.examples.makeIterator()
        var scored = dataset.examples.makeIterator()
        try runner.classify(next: { pending.next()?.text }, with: classifier, longText: longText, emit: { p in
            guard let e = scored.next() else { return }
            examples.append(PredictedExample(line: e.line, text: e.text, gold: e.labels.compactMap { index[$0] },
                                             scores: p.scores.map(Double.init)))
        })
        return PredictionSet(labels: labels, multiLabel: multiLabel, examples: examples)
    }
}

/// The printed table and the JSON metrics of an evaluation.
enum EvalOutput {
    static func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "n/a" }

    static func table(_ set: PredictionSet) -> String {
        let width = max(12, set.labels.map(\.count).max() ?? 0) + 2
        func row(_ cells: [String]) -> String {
            cells[0].padding(toLength: width, withPad: " ", startingAt: 0) + cells.dropFirst().map { $0.leftPad(10) }.joined()
        }
        var lines: [String] = []
        if set.multiLabel {
            let e = set.multiLabelEvaluation()
            lines.append(row(["label", "threshold", "precision", "recall", "F1", "support", "ROC-AUC", "PR-AUC"]))
            for c in e.perLabel {
                lines.append(row([c.label, String(format: "%.3f", c.threshold), f(c.precision), f(c.recall), f(c.f1), "\(c.support)", f(c.rocAUC), f(c.averagePrecision)]))
            }
            for (n, a) in [("micro avg", e.micro), ("macro avg", e.macro), ("weighted avg", e.weighted), ("samples avg", e.samples)] {
                lines.append(row([n, "", f(a.precision), f(a.recall), f(a.f1), "\(e.count)", "", ""]))
            }
            lines.append("")
            lines.append("subset accuracy \(f(e.subsetAccuracy))   Hamming loss \(f(e.hammingLoss))   macro ROC-AUC \(f(e.rocAUCMacro))   macro PR-AUC \(f(e.averagePrecisionMacro))")
        } else {
            let e = set.singleLabel()
            lines.append(row(["class", "precision", "recall", "F1", "support", "ROC-AUC", "PR-AUC"]))
            for c in e.perClass {
                lines.append(row([c.label, f(c.precision), f(c.recall), f(c.f1), "\(c.support)", f(c.rocAUC), f(c.averagePrecision)]))
            }
            for (n, a) in [("micro avg", e.micro), ("macro avg", e.macro), ("weighted avg", e.weighted)] {
                lines.append(row([n, f(a.precision), f(a.recall), f(a.f1), "\(e.count)", "", ""]))
            }
            lines.append("")
            lines.append("accuracy \(f(e.accuracy))   macro ROC-AUC \(f(e.rocAUCMacro))   macro PR-AUC \(f(e.averagePrecisionMacro))   log-loss \(f(e.logLoss))   Brier \(f(e.brierScore))   ECE \(f(e.expectedCalibrationError))")
            if !e.undefinedAUC.isEmpty { lines.append("ROC-AUC undefined (no positive or no negative example) for: \(e.undefinedAUC.joined(separator: ", "))") }
        }
        return lines.joined(separator: "\n")
    }

    /// The change against fp32 on the same examples, with the issue's targets.
    static func comparison(_ c: PrecisionComparison, precision: String) -> String {
        let pts = 100 * (c.candidateAccuracy - c.referenceAccuracy)
        return """

        \(precision) against fp32 on the same \(c.examples) examples:
          accuracy \(f(c.referenceAccuracy)) -> \(f(c.candidateAccuracy)) (\(String(format: "%+.2f", pts)) points\(c.keepsAccuracy ? "" : ", more than 0.3"))
          macro-F1 \(f(c.referenceMacroF1)) -> \(f(c.candidateMacroF1))
          label agreement \(String(format: "%.2f%%", 100 * c.labelAgreement))\(c.keepsLabels ? "" : " (below 99.5%)")   max score change \(String(format: "%.4f", c.maxScoreChange))
        """
    }

    static func writeJSON(_ set: PredictionSet, to url: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = set.multiLabel ? try enc.encode(set.multiLabelEvaluation()) : try enc.encode(set.singleLabel())
        let w = try AtomicFileWriter(url: url)
        try w.write(String(decoding: data, as: UTF8.self) + "\n")
        try w.commit()
    }
}
