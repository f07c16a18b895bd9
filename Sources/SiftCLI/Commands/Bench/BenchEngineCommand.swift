import ArgumentParser
import Foundation
import SiftBench
import SiftData
import SiftEngine
import SiftInference
import SiftTokenizers

/// `sift bench engine`: sentence embeddings/s with all-MiniLM-L6-v2 at several batch sizes on
/// real variable-length texts (BBC paragraphs and Chinese reviews) and on fixed 128-token texts,
/// achieved GFLOP/s against an sgemm roof measured in the same run, and peak RSS.
/// `bench/engine_compare.sh` runs this and bench/engine_python.py on the same texts.
struct BenchEngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Embedding throughput of the BERT engine (texts/s, GFLOP/s vs sgemm roof, peak RSS).")

    @Option(help: "Model folder.")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Data folder with bbc/ and chinese-reviews/.")
    var data: String = ".data"

    @Option(help: "Texts per workload.")
    var texts: Int = 1024

    @Option(help: "Comma-separated batch sizes.")
    var batchSizes = CommaSeparated<Int>([1, 8, 32])

    @Option(help: "Maximum tokens per text.")
    var maxLength: Int = 128

    @Option(help: "Threads (OpenBLAS and attention workers).")
    var threads: Int = 2

    @Option(help: "Attention workers (default: --threads).")
    var workers: Int?

    @Option(help: "Only these workloads (comma-separated: real, fixed128).")
    var only: CommaSeparated<String>?

    @Option(help: "Minimum seconds per measurement.")
    var seconds: Double = 3

    @Option(help: "Write the workloads' texts as JSONL ({workload, text}) for bench/engine_python.py.")
    var textsOut: String?

    @Option(help: "Write the results as JSON.")
    var jsonOut: String?

    func run() async throws {
        let sizes = batchSizes.values
        guard sizes.allSatisfy({ $0 > 0 }) else { throw ValidationError("--batch-sizes must be positive integers") }
        BLAS.threads = threads
        let dir = URL(fileURLWithPath: model)
        let embedder = try SentenceEmbedder(directory: dir)
        let tokenizer = try Tokenizer(directory: dir)
        let workloads = try Self.workloads(data: URL(fileURLWithPath: data), count: texts, tokenizer: tokenizer, maxLength: maxLength)
        if let textsOut {
            let out = try JSONLWriter(path: textsOut)
            for (name, list) in workloads {
                for t in list {
                    out.raw(#"{"workload":"#); out.string(name); out.raw(#","text":"#); out.string(t); out.raw("}")
                    try out.endLine()
                }
            }
            try out.flush()
        }
        let cfg = embedder.model.config
        let roof = EngineBenchmark.sgemmRoof(m: 1024, c: cfg.hiddenSize, i: cfg.intermediateSize)
        print("sift bench engine: \(dir.lastPathComponent), \(threads) threads, max_length \(maxLength)")
        print(String(format: "sgemm roof (OpenBLAS, [1024x%d]x[%dx%d] and back): %.1f GFLOP/s", cfg.hiddenSize, cfg.hiddenSize, cfg.intermediateSize, roof))
        var json: [[String: Any]] = []
        for (name, list) in workloads where only.map({ $0.values.contains(name) }) ?? true {
            let options = EncodeOptions(addSpecialTokens: true, maxLength: maxLength, truncation: .longestFirst)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let seqs = tokenizer.encodeBatch(list, options: options).map(\.ids)
            let tokSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let lengths = seqs.map(\.count)
            let mean = Double(lengths.reduce(0, +)) / Double(max(1, lengths.count))
            let flopsPerText = EngineBenchmark.flops(config: cfg, lengths: lengths) / Double(max(1, lengths.count))
            print(String(format: "\n%@: %d texts, mean %.1f tokens, max %d; tokenize %.0f texts/s; roof %.1f texts/s",
                         name, list.count, mean, lengths.max() ?? 0, Double(list.count) / tokSeconds, roof * 1e9 / flopsPerText))
            print("  batch  texts/s  tokens/s  GFLOP/s  %roof")
            for bs in sizes {
                let r = try EngineBenchmark.run(embedder: embedder, sequences: seqs, batchSize: bs, minSeconds: seconds, workers: workers ?? threads)
                print(String(format: "  %5d  %7.1f  %8.0f  %7.1f  %5.1f", bs, r.textsPerSecond, Double(r.tokens) / r.seconds, r.gflops, 100 * r.gflops / roof))
                json.append(["workload": name, "batch_size": bs, "texts_per_s": r.textsPerSecond, "gflops": r.gflops,
                             "mean_tokens": mean, "roof_gflops": roof])
            }
        }
        let rss = EngineBenchmark.peakRSS() ?? 0
        print(String(format: "\npeak RSS: %.1f MB", Double(rss) / 1e6))
        if let jsonOut {
            let obj: [String: Any] = ["engine": "sift", "threads": threads, "roof_gflops": roof, "peak_rss_bytes": rss, "results": json]
            try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: jsonOut))
        }
    }

    /// "real": BBC paragraphs and Chinese reviews, interleaved 3:1, drawn with a fixed seed.
    /// "fixed128": BBC articles long enough to fill `maxLength` tokens (truncated there).
    static func workloads(data: URL, count: Int, tokenizer: Tokenizer, maxLength: Int) throws -> [(String, [String])] {
        var rng = SeededGenerator(seed: 42)  // the same texts in every run
        let bbc = try BBCCorpus.load(directory: data.appendingPathComponent("bbc"))
        var paragraphs: [String] = [], articles: [String] = []
        for text in bbc.examples.map(\.text) {
            articles.append(text.split(whereSeparator: \.isWhitespace).joined(separator: " "))
            paragraphs += text.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.count > 20 }
        }
        var reviews: [String] = []
        for f in ["pos.txt", "neg.txt"] {
            let s = try String(contentsOf: data.appendingPathComponent("chinese-reviews/\(f)"), encoding: .utf8)
            reviews += s.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        guard !paragraphs.isEmpty, !reviews.isEmpty else { throw ValidationError("no texts found under \(data.path)") }
        var real: [String] = []
        for i in 0..<count {
            real.append(i % 4 == 3 ? reviews[Int(rng.next() % UInt64(reviews.count))] : paragraphs[Int(rng.next() % UInt64(paragraphs.count))])
        }
        let options = EncodeOptions(addSpecialTokens: true, maxLength: nil)
        var long: [String] = []
        var i = 0
        while long.count < count && i < articles.count * 4 {
            let a = articles[Int(rng.next() % UInt64(articles.count))]
            if tokenizer.encode(a, options: options).count >= maxLength { long.append(a) }
            i += 1
        }
        return [("real", real), ("fixed\(maxLength)", long)]
    }
}
