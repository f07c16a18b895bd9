import Foundation
import SiftEngine
import SiftInference

/// Measurements behind `sift bench engine`: forward throughput over pre-tokenized workloads, the
/// FLOPs that throughput implies, and an sgemm roof measured in the same process.
public enum EngineBenchmark {
    /// Multiply-add FLOPs of one encoder forward over the given sequence lengths: the dense layers
    /// (2·N·(4C² + 2CI) per layer) plus attention's two batched products (2·2·T²·C per sequence).
    public static func flops(config: BertConfig, lengths: [Int]) -> Double {
        let C = Double(config.hiddenSize), I = Double(config.intermediateSize)
        let n = Double(lengths.reduce(0, +))
        let attn = lengths.reduce(0.0) { $0 + 4 * Double($1 * $1) * C }
        return Double(config.numHiddenLayers) * (2 * n * (4 * C * C + 2 * C * I) + attn)
    }

    /// GFLOP/s of OpenBLAS sgemm at the shapes that dominate a BERT forward ([M,C]x[C,I] and
    /// [M,I]x[I,C]), with the current thread setting, for about `seconds`.
    public static func sgemmRoof(m: Int, c: Int, i: Int, seconds: Double = 1.0) -> Double {
        let a = [Float](repeating: 0.01, count: m * i), w = [Float](repeating: 0.02, count: i * c)
        var out = [Float](repeating: 0, count: m * i)
        var reps = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            out.withUnsafeMutableBufferPointer { o in
                BLAS.sgemm(transA: false, transB: true, m: m, n: i, k: c, a: a, lda: c, b: w, ldb: c, c: o.baseAddress!, ldc: i)
                BLAS.sgemm(transA: false, transB: true, m: m, n: c, k: i, a: a, lda: i, b: w, ldb: i, c: o.baseAddress!, ldc: c)
            }
            reps += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return Double(reps) * 2 * (2 * Double(m * c * i)) / elapsed / 1e9
    }

    /// GFLOP/s of oneDNN's packed matmul for `precision` at the same shapes as `sgemmRoof`, the
    /// rows split over `workers` single-threaded calls as the engine runs them.
    public static func packedRoof(_ precision: Precision, m: Int, c: Int, i: Int, workers: Int, seconds: Double = 1.0) throws -> Double {
        let up = [Float](repeating: 0.02, count: i * c), down = [Float](repeating: 0.01, count: c * i)
        let a = try PackedLinear(precision: precision, weight: up, bias: nil, inChannels: c, outChannels: i)
        let b = try PackedLinear(precision: precision, weight: down, bias: nil, inChannels: i, outChannels: c)
        let x = [Float](repeating: 0.01, count: m * i)
        var out = [Float](repeating: 0, count: m * i)
        var reps = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            try x.withUnsafeBufferPointer { xp in
                try out.withUnsafeMutableBufferPointer { o in
                    try a.forward(rows: m, inp: xp.baseAddress!, out: o.baseAddress!, workers: workers)
                    try b.forward(rows: m, inp: xp.baseAddress!, out: o.baseAddress!, workers: workers)
                }
            }
            reps += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return Double(reps) * 2 * (2 * Double(m * c * i)) / elapsed / 1e9
    }

    /// Peak resident set size of this process in bytes (VmHWM), or nil where /proc is absent.
    public static func peakRSS() -> Int? {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first
            return kb.map { $0 * 1024 }
        }
        return nil
    }

    public struct Result: Sendable {
        public var batchSize: Int
        public var texts: Int
        public var tokens: Int
        public var seconds: Double
        public var flops: Double
        /// Seconds per timed batch (batch-1 latency is their distribution).
        public var batchSeconds: [Double] = []
        public var textsPerSecond: Double { Double(texts) / seconds }
        public var gflops: Double { flops / seconds / 1e9 }
    }

    /// Embeds `sequences` in batches of `batchSize` (one warm-up batch first), cycling through the
    /// batches until `minSeconds` have passed and at least `minTexts` texts were embedded.
    public static func run(embedder: SentenceEmbedder, sequences: [[Int32]], batchSize: Int,
                           minSeconds: Double = 2, minTexts: Int = 64, workers: Int = 2) throws -> Result {
        let acts = embedder.model.makeActivations(workers: workers)
        let batches = try stride(from: 0, to: sequences.count, by: batchSize).map {
            try PackedBatch(sequences: Array(sequences[$0..<min($0 + batchSize, sequences.count)]))
        }
        guard !batches.isEmpty else { return Result(batchSize: batchSize, texts: 0, tokens: 0, seconds: 1, flops: 0) }
        let cfg = embedder.model.config
        let batchFlops = batches.map { b in flops(config: cfg, lengths: (0..<b.batchSize).map(b.length)) }
        try embedder.embed(batches[0], acts: acts)
        var texts = 0, tokens = 0, total = 0.0, i = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        var perBatch: [Double] = []
        repeat {
            let b = batches[i % batches.count]
            let t0 = DispatchTime.now().uptimeNanoseconds
            try embedder.embed(b, acts: acts)
            perBatch.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            texts += b.batchSize; tokens += b.tokenCount; total += batchFlops[i % batches.count]
            i += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < minSeconds || texts < minTexts
        return Result(batchSize: batchSize, texts: texts, tokens: tokens, seconds: elapsed, flops: total, batchSeconds: perBatch)
    }
}
