import Foundation
import SiftEngine

/// Resumable training state in one folder: `model.safetensors` (every parameter, layout names),
/// `optimizer.safetensors` (AdamW's m and v, same layout, flat) and `state.json` (epoch, step,
/// best metric, patience counter). The folder is written under a temporary name and renamed over
/// the previous one, so a crash leaves either the old checkpoint or the new one, never half.
public enum Checkpoint {
    public struct State: Codable, Sendable, Equatable {
        public var epochsDone: Int
        public var globalStep: Int
        public var adamStep: Int
        public var best: Double?
        public var bestEpoch: Int?
        public var badEpochs: Int
        public var labels: [String]
    }

    public static func save(to dir: URL, model: BertModel, optimizer: AdamW, state: State) throws {
        let fm = FileManager.default
        let tmp = dir.deletingLastPathComponent().appendingPathComponent(".\(dir.lastPathComponent).tmp-\(getpid())")
        try? fm.removeItem(at: tmp)
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        do {
            let p = model.parameters
            try SafetensorsWriter.write(model.layout.entries.map {
                SafetensorsWriter.Entry(name: $0.name, shape: $0.shape,
                                        payload: .f32(UnsafeBufferPointer(start: p.base + $0.offset, count: $0.count)))
            }, to: tmp.appendingPathComponent("model.safetensors"))
            try SafetensorsWriter.write([
                .init(name: "exp_avg", shape: [optimizer.m.count], payload: .f32Array(optimizer.m)),
                .init(name: "exp_avg_sq", shape: [optimizer.v.count], payload: .f32Array(optimizer.v)),
            ], to: tmp.appendingPathComponent("optimizer.safetensors"))
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(state).write(to: tmp.appendingPathComponent("state.json"))
            let old = dir.deletingLastPathComponent().appendingPathComponent(".\(dir.lastPathComponent).old-\(getpid())")
            if fm.fileExists(atPath: dir.path) { try fm.moveItem(at: dir, to: old) }
            try fm.moveItem(at: tmp, to: dir)
            try? fm.removeItem(at: old)
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
    }

    /// Restores parameters and optimizer state; the model must have the checkpoint's layout.
    public static func load(from dir: URL, model: BertModel, optimizer: AdamW) throws -> State {
        let stateURL = dir.appendingPathComponent("state.json")
        let state: State
        do { state = try JSONDecoder().decode(State.self, from: Data(contentsOf: stateURL)) } catch {
            throw TrainError.badCheckpoint("\(stateURL.path): \(error.localizedDescription)")
        }
        let weights = try SafetensorsFile(url: dir.appendingPathComponent("model.safetensors"))
        for e in model.layout.entries {
            guard let info = weights.tensors[e.name], info.shape == e.shape else {
                throw TrainError.badCheckpoint("\(weights.path): tensor '\(e.name)' is missing or has another shape than the model's \(e.shape)")
            }
            try weights.copyFloats(info, into: model.parameters.base + e.offset)
        }
        let opt = try SafetensorsFile(url: dir.appendingPathComponent("optimizer.safetensors"))
        try optimizer.restore(step: state.adamStep, m: opt.floats("exp_avg"), v: opt.floats("exp_avg_sq"))
        return state
    }
}
