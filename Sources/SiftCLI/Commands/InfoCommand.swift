import ArgumentParser
import Foundation
import SiftEngine
import SiftInference

/// `sift info [MODEL]`: this machine (CPU features, backend, precisions, threads) and, given a
/// folder, what Sift loads from it.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "What this machine runs (CPU features, backend, precisions) and what a model folder holds.",
        discussion: """
        Without MODEL, the machine only. With MODEL: family, architecture, tokenizer and vocabulary, sizes, \
        heads, labels and parameter counts, read by loading the folder exactly as predict / embed / serve do.
        """)

    @Argument(help: "A Hugging Face / sentence-transformers model folder (optional).")
    var model: String?

    @Flag(help: "One JSON object instead of text.")
    var json = false

    struct Machine: Codable {
        var cpu: String
        var cores: Int
        var features: [String]
        var backend: String
        /// The OpenBLAS kernel family that runs, and the one OpenBLAS picked when Sift replaced it.
        var blasCore: String
        var blasCoreReplaced: String?
        var threads: Int
        /// oneDNN's version and the instruction set it dispatches to (after ONEDNN_MAX_CPU_ISA).
        var onednn: String
        var onednnISA: String
        /// Per precision: the oneDNN kernel that runs, or why none does.
        var precisions: [String: String]
        var hardwarePrecisions: [String]
    }

    struct Report: Codable {
        var machine: Machine
        var model: ModelSummary?
        /// When the folder is a LoRA adapter: its settings and base (it is folded in as it loads).
        var adapter: Adapter?
    }

    struct Adapter: Codable {
        var rank: Int
        var alpha: Double
        var targets: [String]
        var modulesToSave: [String]
        var base: String
    }

    static func adapter(_ directory: URL) throws -> Adapter? {
        guard LoRAAdapterFolder.isAdapter(directory) else { return nil }
        let peft = try LoRAAdapterFolder.readConfig(directory)
        let base = try LoRAAdapterFolder.baseDirectory(of: directory, config: peft)
        return Adapter(rank: peft.r, alpha: peft.loraAlpha, targets: peft.targetModules, modulesToSave: peft.modulesToSave ?? [], base: base.path)
    }

    func run() throws {
        let cpu = CPUFeatures.current
        let machine = Machine(cpu: cpu.modelName, cores: cpu.cores,
                              features: CPUFeatures.Feature.allCases.filter(cpu.has).map(\.displayName),
                              backend: "oneDNN \(OneDNN.version) (dense layers), OpenBLAS \(BLAS.coreDescription) (attention, training)",
                              blasCore: BLAS.coreName, blasCoreReplaced: BLAS.replacedCoreName, threads: BLAS.threads,
                              onednn: OneDNN.version, onednnISA: OneDNN.isa,
                              precisions: Dictionary(uniqueKeysWithValues: Precision.allCases.map { p in
                                  (p.rawValue, (try? OneDNN.kernel(for: p).get()).map { $0.hasPrefix("ref") ? "\($0) (reference loops only: falls back to fp32)" : $0 } ?? "unavailable")
                              }),
                              hardwarePrecisions: cpu.hardwarePrecisions)
        let summary = try model.map { try ModelSummary(bundle: ModelBundle(directory: URL(fileURLWithPath: $0))) }
        let adapter = try model.flatMap { try Self.adapter(URL(fileURLWithPath: $0)) }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try enc.encode(Report(machine: machine, model: summary, adapter: adapter)), as: UTF8.self))
            return
        }
        print("machine")
        print("  cpu:         \(machine.cpu), \(machine.cores) cores")
        print("  features:    \(cpu.featureList)")
        print("  backend:     \(machine.backend), \(machine.threads) threads")
        print("  oneDNN ISA:  \(machine.onednnISA)")
        for p in Precision.allCases { print("  \(p.rawValue + ":")\(String(repeating: " ", count: 12 - p.rawValue.count))\(machine.precisions[p.rawValue] ?? "?")") }
        print("  hardware:    \(machine.hardwarePrecisions.joined(separator: ", "))")
        guard let s = summary else { return }
        print("model \(s.directory)")
        print("  family:      \(s.family)\(s.architectures.isEmpty ? "" : " (\(s.architectures.joined(separator: ", ")))")")
        print("  task:        \(s.task.rawValue)")
        if let a = adapter {
            print("  adapter:     LoRA r \(a.rank), alpha \(a.alpha) on \(a.targets.sorted().joined(separator: ",")) (+ \(a.modulesToSave.joined(separator: ", "))) over \(a.base), folded in as it loads")
        }
        print("  tokenizer:   \(s.tokenizer), \(s.tokenizerVocabulary) tokens (embedding rows: \(s.embeddingRows))")
        print("  encoder:     \(s.layers) layers, hidden \(s.hiddenSize), \(s.attentionHeads) heads, intermediate \(s.intermediateSize), max length \(s.maxLength)")
        print("  heads:       \(s.heads.isEmpty ? "none" : s.heads.joined(separator: ", "))")
        print("  embeddings:  \(s.pooling) pooling\(s.normalize ? ", L2-normalized" : "")")
        if !s.labels.isEmpty { print("  labels:      \(s.labels.count): \(s.labels.joined(separator: ", "))") }
        let p = s.parameters
        print("  parameters:  \(Self.grouped(p.total)) (embeddings \(Self.grouped(p.embeddings)), encoder \(Self.grouped(p.encoder)), heads \(Self.grouped(p.heads)))")
    }

    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}
