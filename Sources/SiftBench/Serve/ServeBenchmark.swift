import Foundation
import Logging
import SiftData
import SiftServer

/// `sift bench serve`: throughput and latency of the real server (in this process, on
/// 127.0.0.1, a free port) under 1/16/64 closed-loop clients, with dynamic batching on and off.
/// Each request carries one text, as an online caller would send it.
public enum ServeBenchmark {
    /// The route every request goes to.
    public enum Endpoint: String, Sendable, CaseIterable { case embed, classify }

    public struct Row: Sendable {
        public var batching: Bool
        public var result: LoadGenerator.Result
        public var rssAfterMiB: Double
    }

    /// Realistic variable-length texts: BBC news paragraphs (Latin-1 files), in a fixed order.
    public static func bbcTexts(dataDir: URL, limit: Int = 512) -> [String] {
        var out: [String] = []
        // The first 40 documents of each label (BBCCorpus decodes UTF-8, or Latin-1 where invalid).
        let docs = (try? BBCCorpus.load(directory: dataDir))?.examples ?? []
        var perLabel: [String: Int] = [:]
        for doc in docs {
            let label = doc.labels.first ?? ""
            perLabel[label, default: 0] += 1
            guard perLabel[label]! <= 40 else { continue }
            for para in doc.text.components(separatedBy: "\n") {
                let p = para.trimmingCharacters(in: .whitespaces)
                if (40...600).contains(p.count) { out.append(p) }
            }
        }
        // Interleave labels deterministically so every client sees a mix of lengths.
        var rng = SeededGenerator(seed: 42)  // the same text order in every run
        out.shuffle(using: &rng)
        return Array(out.prefix(limit))
    }

    public static func run(modelDir: String, endpoint: Endpoint, texts: [String], clients: [Int], seconds: Double,
                           modes: [Bool], batching: ServerConfig.Batching, print say: (String) -> Void) async throws -> [Row] {
        let bodies = try texts.map { t -> String in
            String(decoding: try JSONSerialization.data(withJSONObject: ["texts": [t]]), as: UTF8.self)
        }
        var rows: [Row] = []
        for on in modes {
            var config = ServerConfig()
            config.port = 0
            config.audit.path = nil
            config.auth.apiKeysEnv = nil
            config.batching = batching
            config.batching.enabled = on
            config.batching.maxQueueTexts = 100_000
            config.limits.requestTimeoutMs = 60_000
            config.models["bench"] = ModelSpec(path: modelDir, version: "bench")
            var logger = Logger(label: "sift.bench")
            logger.logLevel = .critical
            let (ports, portCont) = AsyncStream<Int>.makeStream()
            let built = try await buildApplication(config, dependencies: ServerDependencies(
                loader: EngineModelLoader(), logger: logger, onServerRunning: { portCont.yield($0) }))
            guard built.registry.model(named: "bench")?.isLoaded == true else {
                throw ConfigError("\(modelDir): the model did not load")
            }
            let server = Task { try await built.app.run() }
            var it = ports.makeAsyncIterator()
            guard let port = await it.next() else { throw ConfigError("server did not start") }
            let path = "/v1/models/bench/\(endpoint.rawValue)"
            _ = LoadGenerator.run(port: port, path: path, bodies: bodies, clients: 4, seconds: 1)  // warm-up
            for n in clients {
                let r = await Task.detached {
                    LoadGenerator.run(port: port, path: path, bodies: bodies, clients: n, seconds: seconds)
                }.value
                let row = Row(batching: on, result: r, rssAfterMiB: LoadGenerator.currentRSSMiB())
                rows.append(row)
                say(format(row))
            }
            server.cancel()
            _ = try? await server.value
        }
        return rows
    }

    public static let header = "batching  clients   req/s    p50 ms   p99 ms   errors  requests  RSS MiB"

    public static func format(_ r: Row) -> String {
        let x = r.result
        return String(format: "%-8@  %7d  %7.1f  %7.1f  %7.1f  %7d  %8d  %7.0f",
                      r.batching ? "on" : "off", x.clients, x.throughput, x.percentile(0.5) * 1000,
                      x.percentile(0.99) * 1000, x.errors, x.requests, r.rssAfterMiB)
    }
}

