import ArgumentParser
import Foundation
import SiftBench
import SiftEngine
import SiftTrain

/// `sift bench fewshot`: accuracy from 8 labeled BBC documents per class (SetFit method against
/// logistic regression on frozen embeddings, mean ± sd over seeds) and from label names alone.
struct BenchFewShotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fewshot",
        abstract: "Few-shot (SetFit method) and zero-shot accuracy on BBC news, over several seeds.")

    @Option(help: "Base model folder.") var model = ".models/all-MiniLM-L6-v2"
    @Option(help: "Folder with bbc/ (scripts/setup.sh).") var data = ".data"
    @Option(help: "Labeled documents per class.") var examplesPerClass = 8
    @Option(help: "Seeds, comma-separated (each draws its own documents).") var seeds: CommaSeparated<UInt64> = CommaSeparated([1, 2, 3, 4, 5])
    @Option(help: "Tokens per document.") var maxLength = 128
    @Option(help: "Where the SetFit folders go.") var out = "out/bench-fewshot"
    @Flag(help: "No progress output.") var quiet = false
    @Flag(help: "Only write each seed's documents and the test split under --out (for bench/setfit_reference.py).")
    var splitsOnly = false

    func run() async throws {
        print("machine: \(BLAS.machineDescription)")
        let bbc = try BBCCorpus.load(directory: URL(fileURLWithPath: data).appendingPathComponent("bbc"))
        var o = FewShotBenchmark.Options()
        o.examplesPerClass = examplesPerClass; o.seeds = seeds.values; o.maxLength = maxLength
        o.setFit.progress = !quiet
        var bench = try FewShotBenchmark(base: URL(fileURLWithPath: model), bbc: bbc, options: o, work: URL(fileURLWithPath: out))
        bench.logger = CLILog.logger("sift.bench.fewshot")
        try bench.writeSplits()
        if splitsOnly { print("splits written under \(out)"); return }
        print("data: BBC news, \(bench.train.examples.count) train / \(bench.test.examples.count) test after de-duplication (stratified, seed 42); "
              + "\(examplesPerClass) documents per class drawn from train per seed; \(maxLength) tokens; test scored once per method and seed")
        let s = o.setFit
        print("setfit: \(s.sampling.rawValue) pairs, \(s.epochs) epoch, batch \(s.batchSize) pairs, lr \(s.learningRate), warm-up \(s.warmupRatio), weight decay \(s.weightDecay), head C \(s.headC)")
        let scores = try bench.run { r in
            print(String(format: "  %@ %@: accuracy %.4f, macro-F1 %.4f (%.0f s)", r.method, r.seed.map { "seed \($0)" } ?? "", r.accuracy, r.macroF1, r.seconds))
        }
        print("summary (test split, mean ± sd over seeds):")
        for m in FewShotBenchmark.summary(scores) {
            print(String(format: "  %@: accuracy %.4f ± %.4f, macro-F1 %.4f ± %.4f (%d run%@)", m.method, m.accuracy.0, m.accuracy.1,
                         m.macroF1.0, m.macroF1.1, m.runs, m.runs == 1 ? "" : "s"))
        }
    }
}
