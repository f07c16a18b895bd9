import Foundation
import Testing
import SiftCore
import SiftEngine
import SiftTestSupport
@testable import SiftTrain
#if canImport(Glibc)
import Glibc
#endif

/// The trainer's Hugging Face folder: written through `AtomicWriter`, config.json last.
@Suite struct ModelFolderTests {
    func trainer(out: URL) throws -> Trainer {
        try Trainer(base: TinyTask.base, train: TinyTask.dataset(12, seed: 1), eval: TinyTask.dataset(6, seed: 2),
                    options: TinyTask.options(epochs: 1), out: out)
    }

    /// Saving over another run's folder: its extra tokenizer file and config go, leftovers of a
    /// killed save go, and the folder is this model's only.
    @Test func savingOverAnotherModelLeavesOnlyThisOne() throws {
        let out = scratchFolder("model"); defer { try? FileManager.default.removeItem(at: out) }
        let fm = FileManager.default
        try Data(#"{"model_type": "bert", "hidden_size": 768}"#.utf8).write(to: out.appendingPathComponent("config.json"))
        try Data("{}".utf8).write(to: out.appendingPathComponent("tokenizer.json"))   // the tiny base has none
        try Data("old".utf8).write(to: out.appendingPathComponent("vocab.txt"))
        // A killed save's temporary (its process is gone).
        let p = Process(); p.executableURL = URL(fileURLWithPath: "/bin/true"); try p.run(); p.waitUntilExit()
        let stale = out.appendingPathComponent(".model.safetensors.tmp-\(p.processIdentifier)-beef")
        try Data(repeating: 0, count: 100).write(to: stale)
        let t = try trainer(out: out)
        try t.saveModel()
        #expect(try fm.contentsOfDirectory(atPath: out.path).sorted()
                == ["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"])
        #expect(try Data(contentsOf: out.appendingPathComponent("vocab.txt")) == Data(contentsOf: TinyTask.base.appendingPathComponent("vocab.txt")))
        let back = try BertModel.load(directory: out)
        #expect(back.config.hiddenSize == 32 && back.layout.numLabels == 3)
        #expect(Array(back.parameters.storage) == Array(t.model.parameters.storage))
    }

    /// Re-saving within a run replaces files by renames only: a reader watching the folder
    /// during 15 saves never finds config.json, the weights or vocab.txt missing.
    @Test func reSavingWithinARunNeverLeavesAFileMissing() throws {
        let out = scratchFolder("model"); defer { try? FileManager.default.removeItem(at: out) }
        let t = try trainer(out: out)
        try t.saveModel()
        final class Watch: @unchecked Sendable {
            let lock = NSLock()
            var stop = false, looks = 0, missing: [String] = []
        }
        let watch = Watch()
        let names = ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"].map { out.appendingPathComponent($0).path }
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while true {
                watch.lock.lock(); let stop = watch.stop; watch.lock.unlock()
                if stop { break }
                let gone = names.filter { access($0, F_OK) != 0 }
                watch.lock.lock(); watch.looks += 1; watch.missing += gone; watch.lock.unlock()
            }
            done.signal()
        }
        for k in 0..<15 {
            t.model.parameters.storage[0] = Float(k)
            try t.saveModel()
        }
        watch.lock.lock(); watch.stop = true; watch.lock.unlock()
        done.wait()
        #expect(watch.looks > 0)
        #expect(watch.missing.isEmpty, "\(watch.missing.count) times a file was missing: \(Set(watch.missing))")
        let reloaded = try BertModel.load(directory: out)
        #expect(reloaded.parameters.storage[0] == 14, "first value \(reloaded.parameters.storage[0]), layout \(reloaded.layout.entries.first?.name ?? "")")
    }
}
