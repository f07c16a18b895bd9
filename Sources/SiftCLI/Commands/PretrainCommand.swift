import ArgumentParser
import Foundation
import SiftTrain

/// `sift pretrain BASE --corpus FILE... --out DIR`: continued masked-language-model pretraining.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Continue masked-language-model pretraining of a BERT folder on domain text (BertForMaskedLM folder out).",
        discussion: """
        Reads every --corpus file (plain lines, CSV/TSV or JSONL by extension; --text-column); a \
        text longer than --max-length tokens becomes consecutive windows. Masking follows \
        transformers' DataCollatorForLanguageModeling: each non-special token is chosen with \
        --mlm-probability, a chosen token becomes [MASK] (80%), a random token (10%) or stays \
        (10%), and only chosen tokens are predicted; --whole-word-mask chooses whole words \
        (from offsets; each CJK character is a word). Masks are drawn afresh each epoch from \
        --seed. The masked-LM head (transform + LayerNorm, decoder tied to the word embeddings) \
        is loaded when the base has one and initialized otherwise. Each epoch reports the \
        masked-token loss on held-out text (--validation FILE, else --validation-share of the \
        corpus); the lowest is saved to --out with out/checkpoint for --resume and \
        out/training_log.jsonl. Fine-tune the result with sift train --base OUT. See \
        docs/domain-adaptation.md.
        """)

    @Argument(help: "The base model folder (model_type bert; e.g. the output of sift vocab extend).") var base: String
    @Option(parsing: .upToNextOption, help: "Domain text files (one or more).") var corpus: [String] = []
    @Option(help: "Output folder.") var out: String
    @Option(help: "Column (CSV/TSV) or field (JSONL) holding the text.") var textColumn = "text"
    @Option(help: "Held-out text for the validation loss (default: --validation-share of the corpus).") var validation: String?
    @Option(help: "Share of the corpus held out for validation when --validation is not given.") var validationShare = 0.05
    @Option(help: "Epochs.") var epochs = 1
    @Option(help: "Peak learning rate.") var learningRate = 5e-5
    @Option(help: "Batch size (sequences).") var batchSize = 32
    @Option(help: "Maximum tokens per sequence; longer texts become several windows.") var maxLength = 128
    @Option(help: "Warm-up as a fraction of all steps.") var warmup = 0.06
    @Option(help: "AdamW weight decay (not applied to biases and LayerNorm).") var weightDecay = 0.01
    @Option(help: "Micro-batches per optimizer step.") var gradientAccumulation = 1
    @Option(help: "Share of tokens chosen for prediction.") var mlmProbability = 0.15
    @Flag(help: "Choose whole words rather than single tokens.") var wholeWordMask = false
    @Option(help: "Stop after this many epochs without a lower validation loss.") var patience: Int?
    @Option(help: "Random seed (split, masks, shuffling, head initialization, dropout).") var seed: UInt64 = 42
    @Option(help: "Dropout on embeddings and layer outputs (default: the base's hidden_dropout_prob).") var hiddenDropout: Double?
    @Option(help: "Dropout on attention probabilities (default: the base's attention_probs_dropout_prob).") var attentionDropout: Double?
    @Flag(help: "Continue from out/checkpoint.") var resume = false
    @Flag(help: "No progress (bar on a terminal, log lines otherwise).") var quiet = false
    @Option(help: "Seconds between progress lines when stderr is not a terminal.") var progressInterval = 10.0

    func run() throws {
        let log = CLILog.logger("sift.pretrain")
        let texts = try CorpusFiles.read(corpus, textColumn: textColumn, log: log)
        let held = try validation.map { try CorpusFiles.read([$0], textColumn: textColumn, log: log) }
        var o = TrainingOptions()
        o.epochs = epochs; o.learningRate = learningRate; o.batchSize = batchSize; o.maxLength = maxLength
        o.warmupRatio = warmup; o.weightDecay = weightDecay; o.gradientAccumulation = gradientAccumulation
        o.patience = patience; o.seed = seed; o.hiddenDropout = hiddenDropout; o.attentionDropout = attentionDropout
        o.progress = !quiet; o.progressInterval = progressInterval
        let masking = MaskingOptions(probability: mlmProbability, wholeWord: wholeWordMask)
        let outURL = URL(fileURLWithPath: out)
        let p = try Pretrainer(base: URL(fileURLWithPath: base), texts: texts, validationTexts: held,
                               validationShare: validationShare, options: o, masking: masking, out: outURL)
        p.logger = log
        let s = try p.run(resume: resume)
        if let best = s.bestValidationLoss, let epoch = s.bestEpoch {
            print(String(format: "best validation masked-token loss %.4f (perplexity %.2f) at epoch %d; saved to %@",
                         best, Foundation.exp(best), epoch, outURL.path))
        }
    }
}
