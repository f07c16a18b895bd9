import ArgumentParser
import Foundation
import Logging
import SiftData
import SiftEval
import SiftTrain

extension TrainingMode: ExpressibleByArgument {}
extension TrainingMode {
    public init?(argument: String) {
        switch argument {
        case "full": self = .full
        case "head-only": self = .headOnly
        case "freeze": self = .freeze(layers: 0)
        case "lora": self = .lora
        default: return nil
        }
    }
}
extension SelectionMetric: ExpressibleByArgument {}
extension PairSampling: ExpressibleByArgument {}

/// How `sift train` builds the classifier.
enum TrainingMethod: String, ExpressibleByArgument, CaseIterable {
    /// Fine-tuning with a sequence-classification head (the trainer).
    case finetune
    /// SetFit: contrastive pairs, then logistic regression on embeddings.
    case setfit
}
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
        hold labels separated by '|' or a JSON list. Every epoch is evaluated on the validation set \
        (--validation FILE, else a stratified --validation-split of the training file); the best \
        model on it (by --metric) is written to --out, with out/checkpoint for --resume and \
        out/training_log.jsonl, and --patience stops on it. --test FILE is scored once, after \
        training, with the saved best model and never influences selection; its figures are \
        printed and written to out/test_metrics.json. \
        Dropout (as transformers in train mode) uses the base model's config.json rates unless \
        --hidden-dropout / --attention-dropout / --classifier-dropout override them; overrides \
        are saved in the output config.json. --mode head-only applies only the classifier \
        dropout (the frozen encoder runs in eval mode). --long-text window trains on every \
        window of a long text with the text's label, and validation / test combine each \
        document's windows (--window-aggregation) as predict does. --task token-classification \
        trains a tagger from CoNLL or JSONL (docs/entities.md).
        """)

    @Option(help: "sequence-classification (a label per text) or token-classification (a tag per word: entities).")
    var task: TrainingTask = .sequenceClassification
    @Option(help: "Training data (CSV, TSV or JSONL; token-classification: CoNLL or JSONL).") var train: String
    @Option(name: [.customLong("validation"), .customLong("eval")],
            help: "Validation data: picks the best epoch and drives early stopping (default: a stratified split of --train).")
    var eval: String?
    @Option(name: [.customLong("validation-split"), .customLong("eval-split")],
            help: "Fraction of --train held out for validation when --validation is not given.")
    var evalSplit = 0.1
    @Option(help: "Test data: scored once at the end with the selected model, never used for selection.")
    var test: String?
    @Option(help: "Base model folder (Hugging Face BERT).") var base: String
    @Option(help: "Output folder.") var out: String
    @Option(help: "Text column / JSON field.") var textColumn = "text"
    @Option(help: "Optional second text column (sentence pairs).") var textPairColumn: String?
    @Option(help: "Label column / JSON field.") var labelColumn = "label"
    @Flag(help: "Several labels per text ('a|b' or a JSON list); sigmoid + binary cross-entropy.") var multiLabel = false
    @Option(help: "finetune (a BertForSequenceClassification head on the encoder) or setfit (contrastive pairs, then a logistic-regression head on embeddings; for few labels).")
    var method: TrainingMethod = .finetune
    @Option(help: "Epochs (default: 3; setfit: 1 over its pairs).") var epochs: Int?
    @Option(help: "Peak learning rate (default: 5e-5; setfit: 2e-5).") var learningRate: Double?
    @Option(help: "Batch size (default: 32 texts; setfit: 16 pairs).") var batchSize: Int?
    @Option(help: "Maximum tokens per text, longer texts are truncated (default: 128; setfit: the base folder's max_seq_length).")
    var maxLength: Int?
    @Option(help: "Warm-up as a fraction of all steps (default: 0.06; setfit: 0.1).") var warmup: Double?
    @Option(help: "setfit: keep this many training examples per class (seeded).") var examplesPerClass: Int?
    @Option(help: "setfit: oversampling, undersampling or unique pairs.") var sampling: PairSampling = .oversampling
    @Option(help: "setfit: pairs per example and kind (SetFit's num_iterations; overrides --sampling).") var numIterations: Int?
    @Option(help: "setfit: inverse L2 strength C of the logistic-regression head.") var headC = 1.0
    @Option(help: "Learning-rate decay after warm-up: linear, cosine or constant.") var schedule: LRSchedule.Kind = .linear
    @Option(help: "AdamW weight decay (not applied to biases and LayerNorm).") var weightDecay = 0.01
    @Option(help: "Clip gradients to this global norm (0: off).") var maxGradNorm = 1.0
    @Option(help: "Micro-batches per optimizer step.") var gradientAccumulation = 1
    @Option(help: "Random seed (shuffling, split, head initialization).") var seed: UInt64 = 42
    @Option(help: "full, freeze (embeddings + --freeze-layers frozen), head-only (frozen encoder, cached embeddings) or lora (low-rank adapters on the frozen encoder; a PEFT adapter folder out).")
    var mode: TrainingMode = .full
    @Option(help: "With --mode freeze: how many encoder layers to freeze.") var freezeLayers = 0
    @Option(help: "With --mode lora: the rank r of each adapter (default: 8).") var loraR: Int?
    @Option(help: "With --mode lora: lora_alpha; updates are scaled by alpha / r (default: 16).") var loraAlpha: Double?
    @Option(help: "With --mode lora: dropout on the adapters' inputs (default: 0.05).") var loraDropout: Double?
    @Option(help: "With --mode lora: comma-separated target modules, PEFT's suffix rule (default: query,value; e.g. query,key,value,attention.output.dense,intermediate.dense,output.dense).")
    var loraTargets: String?
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
    @Option(help: "Per-class loss weights (single-label, token tags): balanced (n / (k · count), scikit-learn's rule) or a file of label<TAB>weight lines or a JSON object.")
    var classWeights: LabelWeighting?
    @Option(help: "Multi-label: BCE pos_weight per label: balanced (negatives / positives of each label), one number for all, or a file of label<TAB>weight lines or a JSON object.")
    var posWeight: LabelWeighting?
    @Flag(help: "Single-label: each epoch, top every smaller class up to the largest with seeded random copies (imbalanced-learn's RandomOverSampler).")
    var oversample = false
    @Option(help: "token-classification: the data's tag scheme (iob2, iob1, iobes, ...), checked while reading.") var tagScheme: TagScheme = .iob2
    @Flag(help: "token-classification: label every sub-token (later ones with the word's I- tag) instead of the first only.") var labelAllTokens = false
    @Option(help: "token-classification: how entities are scored: lenient (seqeval's default) or strict-iob2, strict-iobes, ...")
    var entityEval: EntityEvaluationMode = .lenient
    @OptionGroup var longText: LongTextCLIOptions
    @Flag(help: "Resume from OUT/checkpoint.") var resume = false
    @Flag(help: "No progress (bar on a terminal, log lines otherwise).") var quiet = false
    @Option(help: "Seconds between progress lines when stderr is not a terminal.") var progressInterval = 10.0

    func validate() throws {
        if task == .tokenClassification {
            if method == .setfit { throw ValidationError("--method setfit trains text classifiers, not --task token-classification") }
            if multiLabel { throw ValidationError("--multi-label applies to sequence classification") }
            if let m = metric, m != .microF1 && m != .loss { throw ValidationError("token classification selects on entity micro-F1 (micro-f1) or loss") }
            if longText.longText != .truncate { throw ValidationError("--long-text applies to text classification (sentences longer than --max-length are truncated)") }
        } else if labelAllTokens || entityEval != .lenient || tagScheme != .iob2 {
            throw ValidationError("--label-all-tokens, --entity-eval and --tag-scheme apply to --task token-classification")
        }
        if method == .setfit && longText.longText != .truncate { throw ValidationError("--long-text applies to --method finetune") }
        if method == .setfit || task == .tokenClassification {
            for (flag, set) in [("--pos-weight", posWeight != nil), ("--oversample", oversample)] where set {
                throw ValidationError("\(flag) applies to --method finetune of text classifiers")
            }
        }
        if method == .setfit, classWeights != nil { throw ValidationError("--class-weights applies to --method finetune") }
        if multiLabel, classWeights != nil { throw ValidationError("--class-weights weighs single-label classes; for --multi-label use --pos-weight") }
        if multiLabel, oversample { throw ValidationError("--oversample balances single-label classes; for --multi-label use --pos-weight") }
        if !multiLabel, posWeight != nil, task == .sequenceClassification { throw ValidationError("--pos-weight applies to --multi-label; single-label data takes --class-weights or --oversample") }
        if method == .setfit {
            do { try setFitOptions().validate() } catch { throw ValidationError((error as? LocalizedError)?.errorDescription ?? "\(error)") }
            return
        }
        for (flag, set) in [("--examples-per-class", examplesPerClass != nil), ("--num-iterations", numIterations != nil)] where set {
            throw ValidationError("\(flag) applies to --method setfit")
        }
        if mode == .freeze(layers: 0) && freezeLayers < 0 { throw ValidationError("--freeze-layers must not be negative") }
        if mode != .lora {
            for (flag, set) in [("--lora-r", loraR != nil), ("--lora-alpha", loraAlpha != nil), ("--lora-dropout", loraDropout != nil),
                                ("--lora-targets", loraTargets != nil)] where set {
                throw ValidationError("\(flag) applies to --mode lora")
            }
        }
        if let p = patience, p < 1 { throw ValidationError("--patience must be at least 1") }
        if maxGradNorm < 0 { throw ValidationError("--max-grad-norm must not be negative") }
        // Every range check before any file is read.
        do { try options().validate() } catch { throw ValidationError((error as? LocalizedError)?.errorDescription ?? "\(error)") }
    }

    func options() -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs ?? o.epochs; o.learningRate = learningRate ?? o.learningRate; o.batchSize = batchSize ?? o.batchSize
        o.maxLength = maxLength ?? o.maxLength; o.warmupRatio = warmup ?? o.warmupRatio; o.weightDecay = weightDecay; o.seed = seed; o.schedule = schedule
        o.maxGradNorm = maxGradNorm > 0 ? maxGradNorm : nil; o.gradientAccumulation = gradientAccumulation
        o.mode = mode == .freeze(layers: 0) ? .freeze(layers: freezeLayers) : mode
        o.metric = metric ?? (multiLabel ? .microF1 : .accuracy)
        o.patience = patience; o.loss = loss; o.labelSmoothing = labelSmoothing; o.progress = !quiet
        o.progressInterval = progressInterval
        o.hiddenDropout = hiddenDropout; o.attentionDropout = attentionDropout; o.classifierDropout = classifierDropout
        o.longText = longText.options
        o.oversample = oversample
        if let loraR { o.lora.rank = loraR }
        if let loraAlpha { o.lora.alpha = loraAlpha }
        if let loraDropout { o.lora.dropout = Float(loraDropout) }
        if let loraTargets {
            o.lora.targets = loraTargets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return o
    }

    func setFitOptions() -> SetFitOptions {
        var o = SetFitOptions()
        o.examplesPerClass = examplesPerClass; o.sampling = sampling; o.numIterations = numIterations
        o.epochs = epochs ?? o.epochs; o.learningRate = learningRate ?? o.learningRate; o.batchSize = batchSize ?? o.batchSize
        o.maxLength = maxLength; o.warmupRatio = warmup ?? o.warmupRatio; o.weightDecay = weightDecay
        o.maxGradNorm = maxGradNorm > 0 ? maxGradNorm : nil; o.seed = seed; o.headC = headC
        o.progress = !quiet; o.progressInterval = progressInterval
        return o
    }

    func run() async throws {
        if task == .tokenClassification { return try runTokenClassification() }
        let log = CLILog.logger("sift.train")
        let source = TrainingData.Source(train: URL(fileURLWithPath: train), eval: eval.map { URL(fileURLWithPath: $0) },
                                         evalSplit: evalSplit, test: test.map { URL(fileURLWithPath: $0) },
                                         textColumn: textColumn, textPairColumn: textPairColumn,
                                         labelColumn: labelColumn, multiLabel: multiLabel, seed: seed)
        let data = try TrainingData.load(source)
        let testPart = data.test.map { ", test: \($0.examples.count) (scored once at the end)" } ?? ""
        log.info("train: \(data.train.examples.count) examples, validation: \(data.eval.examples.count)\(testPart), labels: \(data.train.labelNames.joined(separator: ", "))")
        if method == .setfit {
            let trainer = try SetFitTrainer(base: URL(fileURLWithPath: base), train: data.train, validation: data.eval, test: data.test,
                                            options: setFitOptions(), out: URL(fileURLWithPath: out))
            trainer.logger = log
            let s = try trainer.run()
            print(Self.summary(s, out: out, testMetrics: trainer.testMetricsURL.path))
            return
        }
        var options = options()
        var counts = Dictionary(uniqueKeysWithValues: data.train.labelNames.map { ($0, 0) })
        for e in data.train.examples { for l in e.labels { counts[l, default: 0] += 1 } }
        func describe(_ w: [String: Double]?) -> String {
            data.train.labelNames.map { "\($0) \(String(format: "%.3g", w?[$0] ?? 1))" }.joined(separator: ", ")
        }
        if let classWeights {
            options.classWeights = try classWeights.classWeights(counts: counts)
            log.info("class weights: \(describe(options.classWeights))")
        }
        if let posWeight {
            options.positiveWeights = try posWeight.positiveWeights(positives: counts, total: data.train.examples.count)
            log.info("positive weights: \(describe(options.positiveWeights))")
        }
        if oversample {
            let largest = counts.values.max() ?? 0
            let extra = data.train.labelNames.map { "\($0) +\(largest - (counts[$0] ?? 0))" }.joined(separator: ", ")
            log.info("oversampling: each epoch tops every class up to \(largest) examples (\(extra), drawn afresh per epoch)")
        }
        let trainer = try Trainer(base: URL(fileURLWithPath: base), train: data.train, eval: data.eval, test: data.test,
                                  options: options, out: URL(fileURLWithPath: out))
        trainer.logger = log
        let d = trainer.dropoutRates
        let head = trainer.options.mode == .headOnly ? " (head-only: classifier only)" : ""
        log.info("dropout: hidden \(d.hidden), attention \(d.attention), classifier \(d.classifier)\(head)")
        if trainer.options.mode == .lora, let lora = trainer.model.lora {
            let (trained, total) = trainer.trainedParameters
            log.info("LoRA: r \(lora.config.rank), alpha \(lora.config.alpha), dropout \(lora.config.dropout), \(lora.sites.count) adapted layers (\(lora.config.targets.joined(separator: ","))); training \(trained) of \(total) parameters (\(String(format: "%.2f", 100 * Double(trained) / Double(max(total, 1))))%)")
        }
        let s = try trainer.run(resume: resume)
        print(Self.summary(s, metric: trainer.options.metric, out: out, testMetrics: trainer.testMetricsURL.path))
    }

    /// What `sift train --method setfit` prints on stdout.
    static func summary(_ s: SetFitTrainer.Summary, out: String, testMetrics: String) -> String {
        func figures(_ f: SetFitTrainer.Figures) -> String {
            var parts: [String] = []
            if let a = f.accuracy { parts.append(String(format: "accuracy %.4f", a)) }
            if let m = f.macroF1 { parts.append(String(format: "macro-F1 %.4f", m)) }
            if let m = f.microF1, f.accuracy == nil { parts.append(String(format: "micro-F1 %.4f", m)) }
            return parts.joined(separator: ", ")
        }
        var lines = ["setfit: \(s.examples) examples, \(s.pairs) pairs, \(s.steps) steps"
                     + (s.trainLoss.map { String(format: ", mean pair loss %.4f", $0) } ?? "") + String(format: ", %.0f s", s.seconds)]
        if let v = s.validation { lines.append("validation (\(v.examples) examples): \(figures(v))") }
        if let t = s.test { lines.append("test (scored once, \(t.examples) examples): \(figures(t)); written to \(testMetrics)") }
        lines.append("model in \(out)")
        return lines.joined(separator: "\n")
    }

    /// What `sift train` prints on stdout: the validation figure that selected the model and, when
    /// a test set was given, its figures, each labelled with the role it played.
    static func summary(_ s: Trainer.Summary, metric: SelectionMetric, out: String, testMetrics: String) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }
        var lines = ["validation (used for selection): best \(metric.rawValue) \(f(s.best)) at epoch \(s.bestEpoch ?? 0)"
                     + (s.stoppedEarly ? " (stopped early)" : "")]
        if let t = s.test {
            var figures = ["loss \(f(t.loss))"]
            if let a = t.accuracy { figures.append("accuracy \(f(a))") }
            if let m = t.macroF1 { figures.append("macro-F1 \(f(m))") }
            if let m = t.microF1, t.accuracy == nil { figures.append("micro-F1 \(f(m))") }
            lines.append("test (scored once, model of epoch \(t.epoch), \(t.examples) examples): "
                         + figures.joined(separator: ", ") + "; written to \(testMetrics)")
        }
        lines.append("model in \(out)")
        return lines.joined(separator: "\n")
    }
}
