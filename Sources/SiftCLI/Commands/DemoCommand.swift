import ArgumentParser
import Foundation
import SiftBench
import SiftData
import SiftEngine
import SiftEval
import SiftInference
import SiftTrain

/// `sift demo`: Sift's main job end to end on the data and model that scripts/setup.sh installs —
/// BBC news (5 topics) and all-MiniLM-L6-v2 — with no argument needed: clean and split the data,
/// fine-tune, pick the epoch on a validation split, score the untouched test split once, write
/// the report, classify a few new headlines.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fine-tune all-MiniLM-L6-v2 on BBC news, evaluate it and classify new texts (embedded defaults).",
        discussion: """
        The documents are split (stratified, seeded) into test (--test-share) and the rest; \
        --validation-share of the rest is the validation split that picks the best epoch. The \
        test split is scored once, at the end, with that model: the figures and the report come \
        from it and nothing was chosen on it.
        """)

    @Option(help: "Base model folder.") var base = ".models/all-MiniLM-L6-v2"
    @Option(help: "BBC news folder (<label>/*.txt).") var data = ".data/bbc"
    @Option(help: "Output folder (model, training log, report).") var out = "out/demo"
    @Option(help: "full or head-only (frozen encoder, much faster).") var mode: TrainingMode = .full
    @Option(help: "Epochs (default: 3 for full fine-tuning, 40 for head-only).") var epochs: Int?
    @Option(help: "Peak learning rate (default: 5e-5 for full fine-tuning, 1e-2 for a head on a frozen encoder).")
    var learningRate: Double?
    @Option(help: "Maximum tokens per document.") var maxLength = 128
    @Option(help: "Share of documents held out as the test split (scored once, at the end).") var testShare = 0.2
    @Option(help: "Share of the remaining documents used as the validation split (picks the epoch).")
    var validationShare = 0.1
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard testShare > 0, testShare < 1 else { throw ValidationError("--test-share must be between 0 and 1") }
        guard validationShare > 0, validationShare < 1 else { throw ValidationError("--validation-share must be between 0 and 1") }
    }

    func run() async throws {
        let log = CLILog.logger("sift.demo")
        let outURL = URL(fileURLWithPath: out)

        // 1. Data: whitespace-collapsed exact duplicates removed, then test / validation / train.
        let all = try BBCCorpus.load(directory: URL(fileURLWithPath: data))
        var seen = Set<String>()
        let unique = all.examples.filter { seen.insert(TextNormalization.duplicateKey($0.text)).inserted }
        let dataset = LabeledDataset(examples: unique, labelNames: all.labelNames)
        let parts = try DemoSplit(dataset, testShare: testShare, validationShare: validationShare, seed: seed)
        print("data: \(all.examples.count) BBC documents, \(all.examples.count - unique.count) duplicates removed; "
              + "\(parts.train.examples.count) train / \(parts.validation.examples.count) validation / "
              + "\(parts.test.examples.count) test; labels: \(dataset.labelNames.joined(separator: ", "))")

        // 2. Fine-tune; the best epoch on the validation split is kept in OUT/model.
        var options = TrainingOptions()
        // A fresh head on frozen features needs a far larger step and more (cheap) epochs.
        let headOnly = mode == .headOnly
        let epochs = self.epochs ?? (headOnly ? 40 : 3)
        options.epochs = epochs; options.learningRate = learningRate ?? (headOnly ? 1e-2 : 5e-5)
        options.maxLength = maxLength; options.seed = seed; options.mode = mode
        options.progress = !quiet
        let modelDir = outURL.appendingPathComponent("model")
        let trainer = try Trainer(base: URL(fileURLWithPath: base), train: parts.train, eval: parts.validation,
                                  options: options, out: modelDir)
        trainer.logger = log
        let t0 = Date()
        let summary = try trainer.run()
        guard let bestEpoch = summary.bestEpoch, let best = summary.epochs.first(where: { $0.epoch == bestEpoch }) else {
            throw ValidationErrorMessage("training saved no model")
        }
        print(String(format: "trained in %.0f s (%@, %d epochs); best epoch %d on the validation split", Date().timeIntervalSince(t0),
                     "\(mode)", epochs, bestEpoch))
        print(String(format: "validation (used for selection), epoch %d, %d documents: accuracy %.4f, macro-F1 %.4f",
                     bestEpoch, parts.validation.examples.count, best.accuracy ?? .nan, best.macroF1 ?? .nan))

        // 3. The test split, scored once with the selected model, as `sift eval` would.
        let runner = try EvalRunner(modelDir: modelDir, maxLength: maxLength)
        let set = try runner.predict(dataset: parts.test)
        print("\ntest (scored once, \(set.examples.count) documents, model of epoch \(bestEpoch)):")
        print(EvalOutput.table(set))
        let curves = try? TrainingCurves.read(url: modelDir.appendingPathComponent("training_log.jsonl"))
        let report = try HTMLReport(
            title: "Sift demo: all-MiniLM-L6-v2 fine-tuned on BBC news", predictions: set, trainingLog: curves,
            facts: [("base", base), ("data", data), ("mode", "\(mode)"),
                    ("figures", "test split (\(set.examples.count) documents), scored once with the selected model"),
                    ("selection", "epoch \(bestEpoch) of \(epochs), best on the validation split (\(parts.validation.examples.count) documents)")])
            .write(to: outURL.appendingPathComponent("report"))

        // 4. New texts.
        let headlines = [
            "Shares in the carmaker fell sharply after it cut its profit forecast for the year.",
            "The striker scored twice as the champions came from behind to win the cup final.",
            "The prime minister faces a rebellion from backbench MPs over the new tax plans.",
            "The new smartphone chip promises faster downloads and longer battery life.",
            "The actress won best film at the awards ceremony for her role in the period drama.",
        ]
        print("\nnew texts:")
        let news = try runner.predict(dataset: LabeledDataset(
            examples: headlines.map { LabeledExample(text: $0, labels: []) }, labelNames: set.labels))
        for (h, p) in zip(headlines, news.examples) {
            guard let top = p.scores.indices.max(by: { p.scores[$0] < p.scores[$1] }) else { continue }
            print("  " + set.labels[top].padding(toLength: 14, withPad: " ", startingAt: 0)
                  + String(format: "%.3f  ", p.scores[top]) + h)
        }
        print("\nmodel: \(modelDir.path) (a Hugging Face folder: sift predict, sift serve or transformers load it)")
        log.info("report: \(report.path) (built from the test predictions)")
    }
}

/// The demo's three parts. The test split is the one the demo has always used (the same
/// stratified cut of the documents with the same seed, so figures stay comparable across
/// versions); the validation split is carved, stratified, out of the rest.
struct DemoSplit {
    var train: LabeledDataset
    var validation: LabeledDataset
    var test: LabeledDataset

    init(_ dataset: LabeledDataset, testShare: Double, validationShare: Double, seed: UInt64) throws {
        let outer = try StratifiedSplit.split(dataset, train: 1 - testShare, validation: 0, test: testShare, seed: seed)
        let rest = LabeledDataset(examples: outer.train.map { dataset.examples[$0] }, labelNames: dataset.labelNames,
                                  multiLabel: dataset.multiLabel)
        let inner = try StratifiedSplit.split(rest, train: 1 - validationShare, validation: validationShare, test: 0, seed: seed)
        func pick(_ d: LabeledDataset, _ idx: [Int]) -> LabeledDataset {
            LabeledDataset(examples: idx.map { d.examples[$0] }, labelNames: d.labelNames, multiLabel: d.multiLabel)
        }
        train = pick(rest, inner.train)
        validation = pick(rest, inner.validation)
        test = pick(dataset, outer.test)
        guard !validation.examples.isEmpty, !test.examples.isEmpty else {
            throw ValidationErrorMessage("\(dataset.examples.count) documents leave an empty validation or test split")
        }
    }
}
