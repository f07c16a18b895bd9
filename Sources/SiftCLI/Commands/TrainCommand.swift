import ArgumentParser
import Foundation
import SiftTrain

extension TrainingMode: ExpressibleByArgument {}
extension TrainingMode {
    public init?(argument: String) {
        switch argument {
        case "full": self = .full
        case "head-only": self = .headOnly
        case "freeze": self = .freeze(layers: 0)
        default: return nil
        }
    }
}
extension SelectionMetric: ExpressibleByArgument {}
extension SingleLabelLoss: ExpressibleByArgument {}
extension LRSchedule.Kind: ExpressibleByArgument {}

/// `sift train`: fine-tune a BERT folder on a labeled CSV/TSV/JSONL file into a Hugging Face
/// `BertForSequenceClassification` folder.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune a BERT model folder into a text classifier (Hugging Face folder out).",
        discussion: """
        Data: CSV, TSV or JSONL (by extension) with a text and a label column. Multi-label rows \
        hold labels separated by '|' or a JSON list. Without --eval, a stratified --eval-split \
        of the training file is held out. Every epoch is evaluated; the best model (by --metric) \
        is written to --out, with out/checkpoint for --resume and out/training_log.jsonl. \
        Dropout (as transformers in train mode) uses the base model's config.json rates unless \
        --hidden-dropout / --attention-dropout / --classifier-dropout override them; overrides \
        are saved in the output config.json. --mode head-only applies only the classifier \
        dropout (the frozen encoder runs in eval mode).
        """)

    @Option(help: "Training data (CSV, TSV or JSONL).") var train: String
    @Option(help: "Evaluation data; default: a stratified split of --train.") var eval: String?
    @Option(help: "Fraction of --train held out for evaluation when --eval is not given.") var evalSplit = 0.1
    @Option(help: "Base model folder (Hugging Face BERT).") var base: String
    @Option(help: "Output folder.") var out: String
    @Option(help: "Text column / JSON field.") var textColumn = "text"
    @Option(help: "Optional second text column (sentence pairs).") var textPairColumn: String?
    @Option(help: "Label column / JSON field.") var labelColumn = "label"
    @Flag(help: "Several labels per text ('a|b' or a JSON list); sigmoid + binary cross-entropy.") var multiLabel = false
    @Option(help: "Epochs.") var epochs = 3
    @Option(help: "Peak learning rate.") var learningRate = 5e-5
    @Option(help: "Batch size.") var batchSize = 32
    @Option(help: "Maximum tokens per text (longer texts are truncated).") var maxLength = 128
    @Option(help: "Warm-up as a fraction of all steps.") var warmup = 0.06
    @Option(help: "Learning-rate decay after warm-up: linear, cosine or constant.") var schedule: LRSchedule.Kind = .linear
    @Option(help: "AdamW weight decay (not applied to biases and LayerNorm).") var weightDecay = 0.01
    @Option(help: "Clip gradients to this global norm (0: off).") var maxGradNorm = 1.0
    @Option(help: "Micro-batches per optimizer step.") var gradientAccumulation = 1
    @Option(help: "Random seed (shuffling, split, head initialization).") var seed: UInt64 = 42
    @Option(help: "full, freeze (embeddings + --freeze-layers frozen) or head-only (frozen encoder, cached embeddings).")
    var mode: TrainingMode = .full
    @Option(help: "With --mode freeze: how many encoder layers to freeze.") var freezeLayers = 0
    @Option(help: "Metric that picks the best epoch: accuracy, macro-f1, micro-f1 or loss.") var metric: SelectionMetric?
    @Option(help: "Stop after this many evaluations without improvement.") var patience: Int?
    @Option(help: "Single-label loss: cross-entropy or focal.") var loss: SingleLabelLoss = .crossEntropy
    @Option(help: "Label smoothing for cross-entropy.") var labelSmoothing = 0.0
    @Option(help: "Dropout on embeddings and after attention/feed-forward output dense layers (default: the base model's hidden_dropout_prob).")
    var hiddenDropout: Double?
    @Option(help: "Dropout on attention probabilities (default: the base model's attention_probs_dropout_prob).")
    var attentionDropout: Double?
    @Option(help: "Dropout before the classifier (default: classifier_dropout, else the hidden dropout).")
    var classifierDropout: Double?
    @Flag(help: "Resume from OUT/checkpoint.") var resume = false
    @Flag(help: "No progress bar.") var quiet = false

    func validate() throws {
        if mode == .freeze(layers: 0) && freezeLayers < 0 { throw ValidationError("--freeze-layers must not be negative") }
        if let p = patience, p < 1 { throw ValidationError("--patience must be at least 1") }
        if maxGradNorm < 0 { throw ValidationError("--max-grad-norm must not be negative") }
        // Every range check before any file is read.
        do { try options().validate() } catch { throw ValidationError((error as? LocalizedError)?.errorDescription ?? "\(error)") }
    }

    func options() -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs; o.learningRate = learningRate; o.batchSize = batchSize; o.maxLength = maxLength
        o.warmupRatio = warmup; o.weightDecay = weightDecay; o.seed = seed; o.schedule = schedule
        o.maxGradNorm = maxGradNorm > 0 ? maxGradNorm : nil; o.gradientAccumulation = gradientAccumulation
        o.mode = mode == .freeze(layers: 0) ? .freeze(layers: freezeLayers) : mode
        o.metric = metric ?? (multiLabel ? .microF1 : .accuracy)
        o.patience = patience; o.loss = loss; o.labelSmoothing = labelSmoothing; o.progress = !quiet
        o.hiddenDropout = hiddenDropout; o.attentionDropout = attentionDropout; o.classifierDropout = classifierDropout
        return o
    }

    func run() async throws {
        let source = TrainingData.Source(train: URL(fileURLWithPath: train), eval: eval.map { URL(fileURLWithPath: $0) },
                                         evalSplit: evalSplit, textColumn: textColumn, textPairColumn: textPairColumn,
                                         labelColumn: labelColumn, multiLabel: multiLabel, seed: seed)
        let data = try TrainingData.load(source)
        let stderr = FileHandle.standardError
        stderr.write(Data("train: \(data.train.examples.count) examples, eval: \(data.eval.examples.count), labels: \(data.train.labelNames.joined(separator: ", "))\n".utf8))
        let trainer = try Trainer(base: URL(fileURLWithPath: base), train: data.train, eval: data.eval, options: options(),
                                  out: URL(fileURLWithPath: out))
        let d = trainer.dropoutRates
        let head = trainer.options.mode == .headOnly ? " (head-only: classifier only)" : ""
        stderr.write(Data("dropout: hidden \(d.hidden), attention \(d.attention), classifier \(d.classifier)\(head)\n".utf8))
        trainer.onEpoch = { r in
            var line = String(format: "epoch %d: train loss %.4f, eval loss %.4f", r.epoch, r.trainLoss, r.evalLoss)
            if let a = r.accuracy { line += String(format: ", accuracy %.4f", a) }
            if let f = r.macroF1 { line += String(format: ", macro-F1 %.4f", f) }
            if let f = r.microF1, r.accuracy == nil { line += String(format: ", micro-F1 %.4f", f) }
            line += String(format: ", %.1f examples/s\n", r.examplesPerSecond)
            FileHandle.standardError.write(Data(line.utf8))
        }
        let s = try trainer.run(resume: resume)
        print("best \(trainer.options.metric.rawValue) \(s.best.map { String(format: "%.4f", $0) } ?? "-") at epoch \(s.bestEpoch ?? 0)\(s.stoppedEarly ? " (stopped early)" : ""); model in \(out)")
    }
}
