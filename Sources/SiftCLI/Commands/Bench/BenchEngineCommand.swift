import ArgumentParser
import Foundation
import SiftBench
import SiftData
import SiftEngine
import SiftInference
import SiftTokenizers

/// `sift bench engine`: sentence embeddings/s with all-MiniLM-L6-v2 at several batch sizes (and
/// length-sorted batches) on real variable-length texts (BBC paragraphs and Chinese reviews) and on
/// fixed 128-token texts, for each backend (OpenBLAS fp32, oneDNN fp32 / bf16 / int8): texts/s
/// with and without tokenization, GFLOP/s against that precision's roof measured in the same run,
/// batch-1 latency, cosine to OpenBLAS fp32, and peak RSS.
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

    @Option(help: "Backends, comma-separated: openblas (fp32 sgemm), fp32, bf16, int8 (oneDNN, packed weights).")
    var backends = CommaSeparated<BenchBackend>(BenchBackend.allCases)

    @Option(help: "Minimum seconds per measurement.")
    var seconds: Double = 3

    @Option(help: "Write the workloads' texts as JSONL ({workload, text}) for bench/engine_python.py.")
    var textsOut: String?

    @Option(help: "Write the results as JSON.")
    var jsonOut: String?

    /// What runs the dense layers.
    enum BenchBackend: String, CaseIterable, ExpressibleByArgument {
        case openblas, fp32, bf16, int8
        var precision: Precision? { Precision(rawValue: rawValue) }
    }

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
            try out.finish()
        }
        let cfg = embedder.model.config
        let w = workers ?? threads
        print("sift bench engine: \(dir.lastPathComponent), \(threads) threads, max_length \(maxLength)")
        print("machine: \(BLAS.machineDescription); oneDNN \(OneDNN.version), ISA \(OneDNN.isa)")
        // Tokenized once per workload; the tokenizer's rate is measured here and folded into the
        // "with tokenization" figure (the pipeline tokenizes, then runs the engine).
        let options = EncodeOptions(addSpecialTokens: true, maxLength: maxLength, truncation: .longestFirst)
        var encoded: [(name: String, seqs: [[Int32]], tokenizeSeconds: Double)] = []
        for (name, list) in workloads where only.map({ $0.values.contains(name) }) ?? true {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let seqs = tokenizer.encodeBatch(list, options: options).map(\.ids)
            encoded.append((name, seqs, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9))
        }
        var json: [[String: Any]] = []
        var reference: [String: [[Float]]] = [:]
        for backend in backends.values {
            do { try embedder.model.pack(backend.precision) } catch {
                print("\n\(backend.rawValue): not available: \(error.localizedDescription)")
                continue
            }
            let kernel = embedder.model.packed.map { "oneDNN \($0.kernels.joined(separator: ", ")), packed in \(String(format: "%.2f", $0.packSeconds)) s" }
                ?? "OpenBLAS \(BLAS.coreDescription)"
            let roof = try backend.precision.map { try EngineBenchmark.packedRoof($0, m: 1024, c: cfg.hiddenSize, i: cfg.intermediateSize, workers: w) }
                ?? EngineBenchmark.sgemmRoof(m: 1024, c: cfg.hiddenSize, i: cfg.intermediateSize)
            print(String(format: "\n== %@: %@; roof ([1024x%d]x[%dx%d] and back) %.1f GFLOP/s", backend.rawValue, kernel, cfg.hiddenSize, cfg.hiddenSize, cfg.intermediateSize, roof))
            for (name, seqs, tokSeconds) in encoded {
                let lengths = seqs.map(\.count)
                let mean = Double(lengths.reduce(0, +)) / Double(max(1, lengths.count))
                let flopsPerText = EngineBenchmark.flops(config: cfg, lengths: lengths) / Double(max(1, lengths.count))
                let tokRate = Double(seqs.count) / tokSeconds
                // Quality against OpenBLAS fp32 on the first 256 texts.
                let probe = Array(seqs.prefix(256))
                let vectors = try embedder.embed(probe)
                var quality = ""
                if let ref = reference[name] {
                    let gate = PrecisionGate(reference: ref, candidate: vectors)
                    quality = String(format: "; cosine to openblas mean %.5f min %.5f", gate.meanCosine, gate.minCosine)
                } else if backend == .openblas { reference[name] = vectors }
                print(String(format: "%@: %d texts, mean %.1f tokens, max %d; tokenize %.0f texts/s; roof %.1f texts/s%@",
                             name, seqs.count, mean, lengths.max() ?? 0, tokRate, roof * 1e9 / flopsPerText, quality))
                print("  batch     texts/s  +tokenize  GFLOP/s  %roof  batch-1 ms p50/p90")
                var strategies = sizes.map { ($0, false) }
                if let largest = sizes.max(), largest > 1 { strategies.append((largest, true)) }
                for (bs, sorted) in strategies {
                    let order = sorted ? seqs.sorted { $0.count < $1.count } : seqs
                    let r = try EngineBenchmark.run(embedder: embedder, sequences: order, batchSize: bs, minSeconds: seconds, workers: w)
                    let withTok = 1 / (1 / r.textsPerSecond + 1 / tokRate)
                    var latency = ""
                    if bs == 1 {
                        let t = r.batchSeconds.sorted()
                        latency = String(format: "  %.2f / %.2f", 1e3 * t[t.count / 2], 1e3 * t[min(t.count - 1, t.count * 9 / 10)])
                    }
                    let label = sorted ? "\(bs) sorted" : "\(bs)"
                    print(String(format: "  %-9@ %7.1f  %9.1f  %7.1f  %5.1f%@", label, r.textsPerSecond, withTok, r.gflops, 100 * r.gflops / roof, latency))
                    var row: [String: Any] = ["backend": backend.rawValue, "workload": name, "batch_size": bs, "sorted": sorted,
                                              "texts_per_s": r.textsPerSecond, "texts_per_s_with_tokenization": withTok,
                                              "gflops": r.gflops, "mean_tokens": mean, "roof_gflops": roof]
                    if bs == 1 { row["batch1_ms_p50"] = 1e3 * r.batchSeconds.sorted()[r.batchSeconds.count / 2] }
                    json.append(row)
                }
            }
        }
        try embedder.model.pack(nil)
        let rss = EngineBenchmark.peakRSS() ?? 0
        print(String(format: "\npeak RSS: %.1f MB (all backends in one process)", Double(rss) / 1e6))
        if let jsonOut {
            let obj: [String: Any] = ["engine": "sift", "threads": threads, "peak_rss_bytes": rss, "machine": BLAS.machineDescription,
                                      "onednn": OneDNN.version, "isa": OneDNN.isa, "results": json]
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
