import ArgumentParser
import Foundation
import SiftCore
import SiftData
import SiftTokenizers
import SiftTrain

/// One step of `sift adapt`.
enum AdaptStep: String, CaseIterable, Codable {
    case vocabulary, pretraining, fineTuning = "fine-tuning"

    /// The step's folder under --out.
    var folder: String {
        switch self {
        case .vocabulary: "vocab"
        case .pretraining: "pretrained"
        case .fineTuning: "model"
        }
    }
}

/// `sift adapt --train T.csv --base BASE --out DIR`: the domain-adaptation recipe as one command.
struct AdaptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt",
        abstract: "Adapt a base model to a domain and fine-tune it: vocabulary, continued pretraining, then training (one folder per step).",
        discussion: """
        Step 1 (OUT/vocab): sift vocab extend over the domain text, which is the training split's \
        texts (never the validation or test texts) plus any --corpus files. Step 2 \
        (OUT/pretrained): sift pretrain on the same text, from step 1's folder. Step 3 \
        (OUT/model): sift train from step 2's folder with the labeled data. Each step's own \
        options go in --vocab-args, --pretrain-args and --train-args (one string, split at \
        spaces, e.g. --pretrain-args "--epochs 2 --whole-word-mask"); --skip-vocab and \
        --skip-pretrain leave a step out. Each step shows its own progress; after pretraining, \
        the fine-tuning time is estimated from its measured token rate. OUT/adapt.json records \
        each step's folder and seconds; --resume reuses the steps it lists as finished. See \
        docs/domain-adaptation.md.
        """)

    @Option(help: "Labeled training data (CSV, TSV or JSONL).") var train: String
    @Option(help: "Validation data (default: a stratified split of --train, as sift train).") var validation: String?
    @Option(help: "Fraction of --train held out for validation when --validation is not given.") var validationSplit = 0.1
    @Option(help: "Test data, scored once at the end by sift train.") var test: String?
    @Option(help: "Base model folder (model_type bert with a WordPiece tokenizer).") var base: String
    @Option(help: "Output folder (new or empty; or an earlier run's with --resume).") var out: String
    @Option(parsing: .upToNextOption, help: "More unlabeled domain text (plain lines, CSV/TSV or JSONL).") var corpus: [String] = []
    @Option(help: "Text column / JSON field.") var textColumn = "text"
    @Option(help: "Label column / JSON field.") var labelColumn = "label"
    @Flag(help: "Several labels per text.") var multiLabel = false
    @Option(help: "Random seed for every step.") var seed: UInt64 = 42
    @Flag(help: "Leave out the vocabulary step.") var skipVocab = false
    @Flag(help: "Leave out continued pretraining.") var skipPretrain = false
    @Option(parsing: .unconditional, help: "More options for sift vocab extend (e.g. \"--min-count 3 --max-new 2000\").") var vocabArgs = ""
    @Option(parsing: .unconditional, help: "More options for sift pretrain (e.g. \"--epochs 2 --whole-word-mask\").") var pretrainArgs = ""
    @Option(parsing: .unconditional, help: "More options for sift train (e.g. \"--epochs 3 --metric macro-f1\").") var trainArgs = ""
    @Flag(help: "Reuse the steps an earlier run of this command finished.") var resume = false
    @Flag(help: "No progress (passed to every step).") var quiet = false

    /// What adapt.json holds: the finished steps, their folders and seconds.
    struct Record: Codable {
        struct Step: Codable { var step: AdaptStep; var folder: String; var seconds: Double }
        var base: String
        var steps: [Step] = []
    }

    static func split(_ args: String) -> [String] { args.split(whereSeparator: \.isWhitespace).map(String.init) }

    func validate() throws {
        for (flag, args, reserved) in [("--vocab-args", vocabArgs, ["--corpus", "--out"]),
                                       ("--pretrain-args", pretrainArgs, ["--corpus", "--out", "--validation"]),
                                       ("--train-args", trainArgs, ["--train", "--base", "--out", "--validation", "--test"])] {
            if let clash = Self.split(args).first(where: { reserved.contains($0) }) {
                throw ValidationError("\(flag) must not set \(clash): sift adapt sets it for that step")
            }
        }
    }

    func run() async throws {
        let log = CLILog.logger("sift.adapt")
        let outURL = URL(fileURLWithPath: out)
        let recordURL = outURL.appendingPathComponent("adapt.json")
        let fm = FileManager.default
        var record = Record(base: base)
        if resume, let data = fm.contents(atPath: recordURL.path) {
            record = try JSONDecoder().decode(Record.self, from: data)
            guard record.base == base else { throw ValidationError("\(recordURL.path) adapted \(record.base), not \(base)") }
        } else if let entries = try? fm.contentsOfDirectory(atPath: outURL.path), !entries.isEmpty {
            throw ValidationError("\(out) is not empty; give a new folder (or --resume an earlier sift adapt there)")
        }
        func finished(_ step: AdaptStep) -> URL? {
            // A vocabulary step with nothing to add records the base itself.
            record.steps.first { $0.step == step }.map { $0.folder == record.base ? URL(fileURLWithPath: $0.folder) : outURL.appendingPathComponent($0.folder) }
        }
        func finish(_ step: AdaptStep, folder: String, seconds: Double) throws {
            record.steps.removeAll { $0.step == step }
            record.steps.append(Record.Step(step: step, folder: folder, seconds: seconds))
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicWriter.write(enc.encode(record), to: recordURL)
        }
        let planned = AdaptStep.allCases.filter { !($0 == .vocabulary && skipVocab) && !($0 == .pretraining && skipPretrain) }
        func header(_ step: AdaptStep) -> String { "step \((planned.firstIndex(of: step) ?? 0) + 1)/\(planned.count): \(step.rawValue)" }

        // The domain text: the training split (as sift train will split it) and the corpus files.
        let source = TrainingData.Source(train: URL(fileURLWithPath: train), eval: validation.map { URL(fileURLWithPath: $0) },
                                         evalSplit: validationSplit, test: nil, textColumn: textColumn, textPairColumn: nil,
                                         labelColumn: labelColumn, multiLabel: multiLabel, seed: seed)
        let data = try TrainingData.load(source)
        var texts = data.train.examples.map(\.text)
        if !corpus.isEmpty { texts += try CorpusFiles.read(corpus, textColumn: textColumn, log: log) }
        // Only now, with the data read: a bad --train leaves no folder behind.
        try fm.createDirectory(at: outURL, withIntermediateDirectories: true)
        let corpusURL = outURL.appendingPathComponent("domain-text.txt")
        try AtomicWriter.write(Data(texts.map { $0.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ") }
            .joined(separator: "\n").utf8 + Data("\n".utf8)), to: corpusURL)
        log.info("domain text: \(data.train.examples.count) training texts\(corpus.isEmpty ? "" : " + \(texts.count - data.train.examples.count) corpus texts") (validation texts are never used for adaptation)")
        let quietFlag = quiet ? ["--quiet"] : []
        var current = base

        if planned.contains(.vocabulary) {
            let folder = outURL.appendingPathComponent(AdaptStep.vocabulary.folder)
            if let done = finished(.vocabulary) {
                log.info("\(header(.vocabulary)): reused \(done.path)")
                current = done.path
            } else {
                log.info("\(header(.vocabulary))")
                let started = Date()
                do {
                    let step = try VocabExtendCommand.parse([current, "--corpus", corpusURL.path, "--out", folder.path] + Self.split(vocabArgs))
                    try step.run()
                    current = folder.path
                } catch let e as ValidationError where e.message.hasPrefix("nothing to add") {
                    log.info("vocabulary: \(e.message); continuing with \(current)")
                }
                try finish(.vocabulary, folder: current == base ? base : AdaptStep.vocabulary.folder, seconds: Date().timeIntervalSince(started))
            }
        }
        var tokensPerSecond: Double?
        if planned.contains(.pretraining) {
            let folder = outURL.appendingPathComponent(AdaptStep.pretraining.folder)
            if let done = finished(.pretraining) {
                log.info("\(header(.pretraining)): reused \(done.path)")
            } else {
                log.info("\(header(.pretraining)) from \(current)")
                let started = Date()
                let step = try PretrainCommand.parse([current, "--corpus", corpusURL.path, "--out", folder.path, "--seed", "\(seed)"]
                                                     + quietFlag + Self.split(pretrainArgs))
                try step.run()
                let seconds = Date().timeIntervalSince(started)
                try finish(.pretraining, folder: AdaptStep.pretraining.folder, seconds: seconds)
                tokensPerSecond = Self.pretrainingTokenRate(log: folder.appendingPathComponent("training_log.jsonl"))
            }
            current = folder.path
        }
        let model = outURL.appendingPathComponent(AdaptStep.fineTuning.folder)
        log.info("\(header(.fineTuning)) from \(current)")
        if let rate = tokensPerSecond, rate > 0 {
            let args = Self.split(trainArgs)
            let epochs = Self.option("--epochs", in: args).flatMap(Double.init) ?? 3
            let maxLength = Self.option("--max-length", in: args).flatMap(Int.init) ?? 128
            let tok = try Tokenizer(directory: URL(fileURLWithPath: current))
            let tokens = data.train.examples.reduce(0) { $0 + min(maxLength, tok.encode($1.text).count) }
            let estimate = String(format: "estimated fine-tuning time: about %.1f min (%d tokens × %.0f epochs at pretraining's %.0f tokens/s, plus validation)",
                                  epochs * Double(tokens) / rate / 60, tokens, epochs, rate)
            log.info("\(estimate)")
        }
        var trainArgv = ["--train", train, "--base", current, "--out", model.path, "--seed", "\(seed)",
                         "--text-column", textColumn, "--label-column", labelColumn]
        if let validation { trainArgv += ["--validation", validation] } else { trainArgv += ["--validation-split", "\(validationSplit)"] }
        if let test { trainArgv += ["--test", test] }
        if multiLabel { trainArgv.append("--multi-label") }
        if resume, fm.fileExists(atPath: model.appendingPathComponent("checkpoint").path), finished(.fineTuning) == nil { trainArgv.append("--resume") }
        let started = Date()
        if finished(.fineTuning) != nil {
            log.info("\(header(.fineTuning)): reused \(model.path)")
        } else {
            let step = try TrainCommand.parse(trainArgv + quietFlag + Self.split(trainArgs))
            try await step.run()
            try finish(.fineTuning, folder: AdaptStep.fineTuning.folder, seconds: Date().timeIntervalSince(started))
        }
        let total = record.steps.reduce(0) { $0 + $1.seconds }
        for s in record.steps {
            print(String(format: "%@: %.0f s (%.0f%% of %.0f s) -> %@", s.step.rawValue, s.seconds, 100 * s.seconds / max(total, 1e-9), total,
                         outURL.appendingPathComponent(s.folder).path))
        }
        print("classifier in \(model.path)")
    }

    /// The value after `flag` in an argument list (`--epochs 3` or `--epochs=3`).
    static func option(_ flag: String, in args: [String]) -> String? {
        for (i, a) in args.enumerated() {
            if a == flag, i + 1 < args.count { return args[i + 1] }
            if a.hasPrefix(flag + "=") { return String(a.dropFirst(flag.count + 1)) }
        }
        return nil
    }

    /// Tokens per second of the last pretraining epoch, from its training log.
    static func pretrainingTokenRate(log: URL) -> Double? {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").reversed().lazy.compactMap { line -> Double? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (o["tokens_per_second"] as? NSNumber)?.doubleValue
        }.first
    }
}
