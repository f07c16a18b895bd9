import ArgumentParser
import Foundation
import SiftData
import SiftEngine
import SiftEval
import SiftInference
import SiftTrain

/// `sift demo`: Sift's main job end to end on the data and model that scripts/setup.sh installs —
/// BBC news (5 topics) and all-MiniLM-L6-v2 — with no argument needed: clean and split the data,
/// fine-tune, evaluate on held-out documents, write the report, classify a few new headlines.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fine-tune all-MiniLM-L6-v2 on BBC news, evaluate it and classify new texts (embedded defaults).")

    @Option(help: "Base model folder.") var base = ".models/all-MiniLM-L6-v2"
    @Option(help: "BBC news folder (<label>/*.txt).") var data = ".data/bbc"
    @Option(help: "Output folder (model, training log, report).") var out = "out/demo"
    @Option(help: "full or head-only (frozen encoder, much faster).") var mode: TrainingMode = .full
    @Option(help: "Epochs (default: 3 for full fine-tuning, 40 for head-only).") var epochs: Int?
    @Option(help: "Peak learning rate (default: 5e-5 for full fine-tuning, 1e-2 for a head on a frozen encoder).")
    var learningRate: Double?
    @Option(help: "Maximum tokens per document.") var maxLength = 128
    @Option(help: "Share of documents held out for evaluation.") var testShare = 0.2
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "No progress bar.") var quiet = false

    func run() async throws {
        let outURL = URL(fileURLWithPath: out)
        var err = StandardError()

        // 1. Data: whitespace-collapsed exact duplicates removed, then a stratified split.
        let all = try BBCCorpus.load(directory: URL(fileURLWithPath: data))
        var seen = Set<String>()
        let unique = all.examples.filter { seen.insert(TextNormalization.duplicateKey($0.text)).inserted }
        let dataset = LabeledDataset(examples: unique, labelNames: all.labelNames)
        let split = try StratifiedSplit.split(dataset, train: 1 - testShare, validation: 0, test: testShare, seed: seed)
        let train = LabeledDataset(examples: split.train.map { dataset.examples[$0] }, labelNames: dataset.labelNames)
        let test = LabeledDataset(examples: split.test.map { dataset.examples[$0] }, labelNames: dataset.labelNames)
        print("data: \(all.examples.count) BBC documents, \(all.examples.count - unique.count) duplicates removed; "
              + "\(train.examples.count) train / \(test.examples.count) held out; labels: \(dataset.labelNames.joined(separator: ", "))")

        // 2. Fine-tune (the best epoch on the held-out set is kept in OUT/model).
        var options = TrainingOptions()
        // A fresh head on frozen features needs a far larger step and more (cheap) epochs.
        let headOnly = mode == .headOnly
        let epochs = self.epochs ?? (headOnly ? 40 : 3)
        options.epochs = epochs; options.learningRate = learningRate ?? (headOnly ? 1e-2 : 5e-5)
        options.maxLength = maxLength; options.seed = seed; options.mode = mode
        options.progress = !quiet
        let modelDir = outURL.appendingPathComponent("model")
        let trainer = try Trainer(base: URL(fileURLWithPath: base), train: train, eval: test, options: options, out: modelDir)
        trainer.onEpoch = { r in
            var e = StandardError()
            print(String(format: "epoch %d: train loss %.4f, held-out accuracy %.4f, macro-F1 %.4f, %.1f examples/s",
                         r.epoch, r.trainLoss, r.accuracy ?? .nan, r.macroF1 ?? .nan, r.examplesPerSecond), to: &e)
        }
        let t0 = Date()
        let summary = try trainer.run()
        print(String(format: "trained in %.0f s (%@, %d epochs); best epoch %d", Date().timeIntervalSince(t0),
                     "\(mode)", epochs, summary.bestEpoch ?? 0))

        // 3. Evaluate the saved model on the held-out documents, as `sift eval` would.
        let classifier = try SequenceClassifier(directory: modelDir)
        let input = try TextInput(directory: modelDir, config: classifier.model.config, maxLength: maxLength)
        let acts = classifier.model.makeActivations()
        let index = Dictionary(uniqueKeysWithValues: classifier.labels.enumerated().map { ($1, $0) })
        var examples: [PredictedExample] = []
        for start in stride(from: 0, to: test.examples.count, by: 32) {
            let chunk = test.examples[start..<min(start + 32, test.examples.count)]
            for (e, p) in zip(chunk, try classifier.predict(texts: chunk.map(\.text), input: input, acts: acts)) {
                examples.append(PredictedExample(line: e.line, text: e.text, gold: e.labels.compactMap { index[$0] },
                                                 scores: p.scores.map(Double.init)))
            }
        }
        let set = PredictionSet(labels: classifier.labels, multiLabel: false, examples: examples)
        print("\nheld-out evaluation (\(examples.count) documents):")
        print(EvalOutput.table(set))
        let log = try? TrainingCurves.read(url: modelDir.appendingPathComponent("training_log.jsonl"))
        let report = try HTMLReport(title: "Sift demo: all-MiniLM-L6-v2 fine-tuned on BBC news", predictions: set,
                                    trainingLog: log, facts: [("base", base), ("data", data), ("mode", "\(mode)")])
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
        for (h, p) in zip(headlines, try classifier.predict(texts: headlines, input: input, acts: acts)) {
            let best = p.scores.indices.max { p.scores[$0] < p.scores[$1] }!
            print("  " + classifier.labels[best].padding(toLength: 14, withPad: " ", startingAt: 0)
                  + String(format: "%.3f  ", p.scores[best]) + h)
        }
        print("\nmodel: \(modelDir.path) (a Hugging Face folder: sift predict, sift serve or transformers load it)")
        print("report: \(report.path)", to: &err)
    }
}
