import ArgumentParser
import Foundation
import SiftBench
import SiftEngine
import SiftInference
import SiftServer

extension ServeBenchmark.Endpoint: ExpressibleByArgument {}

/// `sift bench serve`: the server under load (see SiftBench/Serve). Run in a release build.
struct BenchServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Server throughput and p50/p99 latency at 1/16/64 clients, dynamic batching on vs off.")

    @Option(help: "Model folder (default: .models/all-MiniLM-L6-v2).")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "classify or embed (default: embed, as all-MiniLM-L6-v2 has no classification head).")
    var endpoint: ServeBenchmark.Endpoint = .embed

    @Option(help: "Comma-separated client counts.")
    var clients = CommaSeparated<Int>([1, 16, 64])

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 10

    @Option(help: "Dynamic batching on, off or both (one after the other).")
    var batching: BatchingChoice = .both

    @Option(name: .customLong("max-wait-ms"), help: "Batcher's maximum wait for more requests.")
    var maxWaitMs: Int = 2

    @Option(name: .customLong("max-batch-tokens"), help: "Batcher's token budget per forward pass.")
    var maxBatchTokens: Int = 8192

    @Option(help: "Folder of BBC texts (default .data/bbc).")
    var data: String = ".data/bbc"

    func validate() throws {
        if !counts.allSatisfy({ $0 > 0 }) { throw ValidationError("--clients needs positive numbers, e.g. 1,16,64") }
        if seconds <= 0 || seconds > 600 { throw ValidationError("--seconds must be in (0, 600]") }
    }

    var counts: [Int] { clients.values }

    enum BatchingChoice: String, ExpressibleByArgument, CaseIterable {
        case on, off, both
        var modes: [Bool] { self == .both ? [true, false] : [self == .on] }
    }

    func run() async throws {
        let texts = ServeBenchmark.bbcTexts(dataDir: URL(fileURLWithPath: data))
        guard !texts.isEmpty else { throw ValidationError("\(data): no texts found (run scripts/setup.sh)") }
        let mean = Double(texts.map(\.count).reduce(0, +)) / Double(texts.count)
        print("model \(model), endpoint \(endpoint.rawValue), \(texts.count) texts (mean \(Int(mean)) chars), \(seconds)s per row, 127.0.0.1")
        print(ServeBenchmark.header)
        var b = ServerConfig.Batching()
        b.maxWaitMs = maxWaitMs
        b.maxBatchTokens = maxBatchTokens
        let modes = batching.modes
        let rows = try await ServeBenchmark.run(modelDir: model, endpoint: endpoint, texts: texts, clients: counts,
                                                seconds: seconds, modes: modes, batching: b, print: { print($0) })
        // The ceiling any batching can reach: the engine at 100% of the sgemm roof on these texts.
        let dir = URL(fileURLWithPath: model)
        let config = try BertConfig.load(dir.appendingPathComponent("config.json"))
        let packed = try TextInput(directory: dir, config: config).pack(texts)
        let lengths = (0..<packed.batchSize).map(packed.length)
        let flopsPerText = EngineBenchmark.flops(config: config, lengths: lengths) / Double(lengths.count)
        let roof = EngineBenchmark.sgemmRoof(m: 1024, c: config.hiddenSize, i: config.intermediateSize)
        let roofTexts = roof * 1e9 / flopsPerText
        print(String(format: "roof: sgemm %.1f GFLOP/s = %.1f texts/s on these texts (mean %.1f tokens)",
                     roof, roofTexts, Double(lengths.reduce(0, +)) / Double(lengths.count)))
        for n in counts {
            if let off = rows.first(where: { !$0.batching && $0.result.clients == n }) {
                let t = off.result.throughput
                print(String(format: "%d clients: batch-size-1 serving runs at %.0f%% of the roof, so batching can give at most %.2fx",
                             n, 100 * t / roofTexts, roofTexts / t))
            }
            if let on = rows.first(where: { $0.batching && $0.result.clients == n }),
               let off = rows.first(where: { !$0.batching && $0.result.clients == n }) {
                print(String(format: "%d clients: batching gives %.2fx the throughput of batch-size-1 serving (p99 %.0f ms vs %.0f ms)",
                             n, on.result.throughput / off.result.throughput,
                             on.result.percentile(0.99) * 1000, off.result.percentile(0.99) * 1000))
            }
        }
    }
}
