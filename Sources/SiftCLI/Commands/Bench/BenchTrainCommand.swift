import ArgumentParser
import Foundation
import SiftBench
import SiftData
import SiftEngine
import SiftTokenizers
import SiftTrain

/// Training throughput (examples/s) of Sift's full fine-tuning against PyTorch eager on the same
/// token ids: BBC news truncated to --max-length, batch --batch-size, AdamW, same run.
struct BenchTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tuning examples/s against PyTorch eager (same data, same run).")

    @Option(help: "Base model folder.") var model = ".models/all-MiniLM-L6-v2"
    @Option(help: "Folder with bbc/ (scripts/setup.sh).") var data = ".data"
    @Option(help: "Python with torch + transformers (scripts/python-env.sh); empty to skip.") var python = ".venv/bin/python"
    @Option var batchSize = 32
    @Option var maxLength = 128
    @Option(help: "Timed optimizer steps (after one untimed warm-up step).") var steps = 6
    @Option(help: "Threads for both (OpenBLAS / torch).") var threads = 2
    @Flag(inversion: .prefixedNo, help: "Sift trains with the model's dropout rates, as PyTorch does (--no-dropout: off, to measure its cost).")
    var dropout = true

    func run() async throws {
        let bbc = try BBCCorpus.load(directory: URL(fileURLWithPath: data).appendingPathComponent("bbc"))
        let labels = bbc.labelNames
        let n = batchSize * (steps + 1)
        // A fixed, label-balanced sample: every k-th document.
        let stride = max(1, bbc.examples.count / n)
        let picked = (0..<n).map { bbc.examples[($0 * stride) % bbc.examples.count] }
        let tok = try Tokenizer(directory: URL(fileURLWithPath: model))
        var opt = EncodeOptions(); opt.maxLength = maxLength
        let ids = tok.encodeBatch(picked.map(\.text), options: opt).map(\.ids)
        let y = picked.map { labels.firstIndex(of: $0.label) ?? 0 }
        let meanLen = Double(ids.reduce(0) { $0 + $1.count }) / Double(ids.count)
        print("workload: \(n) BBC documents, \(String(format: "%.1f", meanLen)) tokens on average (max \(maxLength)), batch \(batchSize), \(steps) timed steps, \(threads) threads")

        BLAS.threads = threads
        let m = try Trainer.makeClassifier(base: URL(fileURLWithPath: model), labels: labels, multiLabel: false, seed: 42)
        let o = Optimization(model: m, loss: CrossEntropyLoss(), weightDecay: 0.01)
        let rates = dropout ? DropoutRates(config: m.config) : .none
        print("sift dropout: hidden \(rates.hidden), attention \(rates.attention), classifier \(rates.classifier)")
        var t0 = DispatchTime.now().uptimeNanoseconds
        for s in 0...steps {
            if s == 1 { t0 = DispatchTime.now().uptimeNanoseconds }
            let idx = Array((s * batchSize)..<((s + 1) * batchSize))
            let batch = try PackedBatch(sequences: idx.map { ids[$0] })
            try o.accumulate(batch, targets: .classes(idx.map { y[$0] }),
                             dropout: Dropout(rates: rates, seed: Dropout.seed(run: 42, step: s)))
            o.apply(lr: 5e-5)
        }
        let siftRate = Double(steps * batchSize) / (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)

        var torchRate: Double?
        if !python.isEmpty, FileManager.default.isExecutableFile(atPath: python) {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sift-bench-train-\(getpid()).jsonl")
            defer { try? FileManager.default.removeItem(at: file) }
            var lines = ""
            for (i, s) in ids.enumerated() { lines += "{\"ids\":\(s.map(Int.init)),\"label\":\(y[i])}\n" }
            try Data(lines.utf8).write(to: file)
            let out = try runProcess(python, ["bench/train_torch.py", model, file.path, "\(batchSize)", "\(steps)", "\(threads)", "\(labels.count)"])
            if let obj = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any] { torchRate = obj["examples_per_s"] as? Double }
        } else {
            print("(no Python at \(python): run scripts/python-env.sh for the comparison)")
        }
        print(String(format: "sift     %8.2f examples/s", siftRate))
        if let t = torchRate {
            print(String(format: "pytorch  %8.2f examples/s (eager, fp32, dropout 0.1 as in training)", t))
            print(String(format: "ratio    %8.2fx", siftRate / t))
        }
    }
}
