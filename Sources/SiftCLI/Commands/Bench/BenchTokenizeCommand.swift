import ArgumentParser
import Foundation
import SiftBench
import SiftData
import SiftTokenizers

/// Tokens per second of Sift's tokenizer and of Hugging Face's Rust tokenizer on the same corpus,
/// one thread and then all cores, with the ratio.
struct BenchTokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenizer throughput against Hugging Face tokenizers (Rust), same corpus, same run.")

    @Option(help: "Model folder.") var model = ".models/all-MiniLM-L6-v2"
    @Option(help: "Folder with bbc/ and chinese-reviews/ (scripts/setup.sh).") var data = ".data"
    @Option(help: "Python with `tokenizers` (scripts/python-env.sh); empty to skip the comparison.")
    var python = ".venv/bin/python"
    @Option(help: "Timed repetitions per mode (the best is kept).") var repeats = 3

    func run() async throws {
        let texts = try BenchCorpus.load(dataDir: URL(fileURLWithPath: data))
        let tok = try Tokenizer(directory: URL(fileURLWithPath: model))
        let chars = texts.reduce(0) { $0 + $1.unicodeScalars.count }
        print("corpus: \(texts.count) texts (BBC news documents and Chinese reviews), \(chars) characters; model \(model)")
        let cores = ProcessInfo.processInfo.activeProcessorCount

        func measure(_ body: () -> Int) -> (tokens: Int, perSecond: Double) {
            var best = 0.0, n = 0
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                n = body()
                let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                best = max(best, Double(n) / dt)
            }
            return (n, best)
        }
        let single = measure { texts.reduce(0) { $0 + tok.encode($1).count } }
        let multi = measure { tok.encodeBatch(texts).reduce(0) { $0 + $1.count } }

        var hf: [String: Double] = [:]
        if !python.isEmpty, FileManager.default.isExecutableFile(atPath: python) {
            let corpus = FileManager.default.temporaryDirectory.appendingPathComponent("sift-bench-corpus-\(getpid()).jsonl")
            defer { try? FileManager.default.removeItem(at: corpus) }
            let lines = try texts.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed]), as: UTF8.self) }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: corpus)
            for (mode, threads) in [("1-thread", "1"), ("all-cores", "\(cores)")] {
                let out = try runProcess(python, ["bench/tokenize_hf.py", model, corpus.path, mode, "\(repeats)"],
                                         env: ["RAYON_NUM_THREADS": threads])
                if let obj = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any],
                   let v = obj["tokens_per_s"] as? Double {
                    hf[mode] = v
                    if let n = obj["tokens"] as? Int, n != single.tokens {
                        print("warning: Hugging Face produced \(n) tokens, Sift \(single.tokens)")
                    }
                }
            }
        } else {
            print("(no Python at \(python): run scripts/python-env.sh for the comparison)")
        }
        func cell(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        func row(_ name: String, _ sift: Double, _ other: Double?) {
            let ratio = other.map { String(format: "%.2fx", sift / $0) } ?? "-"
            let o = other.map { String(format: "%.0f", $0) } ?? "-"
            print(name.padding(toLength: 10, withPad: " ", startingAt: 0) + cell(String(format: "%.0f", sift), 14) + cell(o, 14) + cell(ratio, 8))
        }
        print("tokens: \(single.tokens) (special tokens included, offsets computed by both)")
        print("mode      " + cell("sift tok/s", 14) + cell("hf tok/s", 14) + cell("sift/hf", 8))
        row("1 thread", single.perSecond, hf["1-thread"])
        row("\(cores) cores", multi.perSecond, hf["all-cores"])
    }
}

/// Runs a process and returns its standard output; stderr passes through.
func runProcess(_ path: String, _ args: [String], env: [String: String] = [:]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw ValidationErrorMessage("\(path) \(args.joined(separator: " ")) exited with \(p.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}
