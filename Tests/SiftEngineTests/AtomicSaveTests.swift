import Foundation
import Testing
import SiftCore
import SiftTestSupport
@testable import SiftEngine

/// Model folders and safetensors files are written through SiftCore's `AtomicWriter`.
@Suite struct AtomicSaveTests {
    static func model(hidden: Int, vocab: Int, labels: Int) -> BertModel {
        var c = BertConfig()
        c.vocabSize = vocab; c.hiddenSize = hidden; c.numHiddenLayers = 1; c.numAttentionHeads = 2
        c.intermediateSize = 2 * hidden; c.maxPositionEmbeddings = 16
        let m = BertModel(config: c, withPooler: true, numLabels: labels)
        for i in m.parameters.storage.indices { m.parameters.storage[i] = Float(i % 13) / 7 }
        return m
    }

    @Test func resavingAnotherModelReplacesConfigAndWeightsTogether() throws {
        let dir = scratchFolder("engine"); defer { try? FileManager.default.removeItem(at: dir) }
        try Self.model(hidden: 8, vocab: 20, labels: 2).save(directory: dir)
        let b = Self.model(hidden: 16, vocab: 30, labels: 3)
        try b.save(directory: dir)
        let back = try BertModel.load(directory: dir)
        #expect(back.config.hiddenSize == 16 && back.layout.numLabels == 3)
        #expect(Array(back.parameters.storage) == Array(b.parameters.storage))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["config.json", "model.safetensors"])
    }

    /// The disk fills while the weights are written: a typed error naming the file (no trap),
    /// the previous model intact, no temporary left.
    @Test func aFullDiskLeavesThePreviousModelFolderIntact() throws {
        guard let fs = SmallDisk(kilobytes: 160) else { return }
        defer { fs.unmount() }
        let dir = fs.root.appendingPathComponent("model")
        try Self.model(hidden: 8, vocab: 20, labels: 2).save(directory: dir)
        let config = try Data(contentsOf: dir.appendingPathComponent("config.json"))
        let weights = try Data(contentsOf: dir.appendingPathComponent("model.safetensors"))
        #expect(throws: WriteError.diskFull(path: dir.appendingPathComponent("model.safetensors").path)) {
            try Self.model(hidden: 64, vocab: 400, labels: 3).save(directory: dir)
        }
        #expect(try Data(contentsOf: dir.appendingPathComponent("config.json")) == config)
        #expect(try Data(contentsOf: dir.appendingPathComponent("model.safetensors")) == weights)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["config.json", "model.safetensors"])
        #expect(try BertModel.load(directory: dir).config.hiddenSize == 8)
    }

    @Test func safetensorsStagedIntoAWriterAppearOnlyOnCommit() throws {
        let dir = scratchFolder("engine"); defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("w.safetensors")
        let w = try AtomicWriter(url: url)
        try SafetensorsWriter.write([.init(name: "a", shape: [3], payload: .f32Array([1, 2, 3]))], into: w)
        #expect(!FileManager.default.fileExists(atPath: url.path))
        try w.commit()
        #expect(try SafetensorsFile(url: url).floats("a") == [1, 2, 3])
        // A payload that does not match its shape fails before anything is written.
        #expect(throws: EngineError.self) {
            try SafetensorsWriter.write([.init(name: "a", shape: [4], payload: .f32Array([1, 2, 3]))], to: url)
        }
        #expect(try SafetensorsFile(url: url).floats("a") == [1, 2, 3])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["w.safetensors"])
    }
}
