import Foundation
import SiftCore
import SiftEngine

/// Resumable training state. A checkpoint folder holds versions and a pointer:
///
///     checkpoint/
///       current                 "step-240\n": the version to resume from (written atomically)
///       step-240/               model.safetensors (every parameter, layout names),
///                               optimizer.safetensors (AdamW's m and v, flat), state.json
///       .step-272.tmp-PID-RND/  a save in progress (or a killed one's leftovers)
///
/// A save writes a new version under a temporary name (each file through `AtomicWriter`), fsyncs
/// it, renames it to `step-N`, moves the pointer, and only then removes the older versions (each
/// renamed to a temporary name first). So at every instant, a kill included, the pointer names a
/// complete version: the previous one until the pointer moved, the new one after. The loader
/// follows the pointer and falls back to the newest complete version (a killed first save that
/// never wrote the pointer) and to the old single-folder layout. Leftovers of killed saves are
/// removed by the next save.
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

    /// The file naming the current version.
    static let pointerName = "current"
    static let files = (model: "model.safetensors", optimizer: "optimizer.safetensors", state: "state.json")

    /// A version folder's name: `step-N`, or `step-N-K` when step N was saved before.
    struct Version: Comparable, Sendable {
        var step: Int
        var repeatIndex: Int
        var name: String { repeatIndex == 0 ? "step-\(step)" : "step-\(step)-\(repeatIndex)" }

        init(step: Int, repeatIndex: Int = 0) { self.step = step; self.repeatIndex = repeatIndex }

        init?(name: String) {
            guard name.hasPrefix("step-") else { return nil }
            let parts = name.dropFirst(5).split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let s = Int(parts[0]), s >= 0,
                  String(s) == parts[0] else { return nil }
            var k = 0
            if parts.count == 2 {
                guard let r = Int(parts[1]), r > 0, String(r) == parts[1] else { return nil }
                k = r
            }
            self.init(step: s, repeatIndex: k)
        }

        static func < (a: Version, b: Version) -> Bool { (a.step, a.repeatIndex) < (b.step, b.repeatIndex) }
    }

    /// The points of a save, in order; tests stop or fail a save at each.
    enum SaveStep: String, CaseIterable, Sendable {
        case stagingCreated, modelWritten, optimizerWritten, stateWritten, versionPublished, pointerMoved, previousRemoved
    }

    public static func save(to dir: URL, model: BertModel, optimizer: AdamW, state: State) throws {
        try save(to: dir, model: model, optimizer: optimizer, state: state, at: { _ in })
    }

    /// `hook` runs after each step; a throw there fails the save as an I/O error at that point would.
    static func save(to dir: URL, model: BertModel, optimizer: AdamW, state: State,
                     at hook: (SaveStep) throws -> Void) throws {
        let fm = FileManager.default
        do { try fm.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw WriteError.cannotCreate(path: dir.path, reason: (error as NSError).localizedDescription)
        }
        AtomicWriter.removeStaleTemporaries(in: dir)
        let existing = versions(in: dir)
        var version = Version(step: state.globalStep)
        while existing.contains(where: { $0.name == version.name }) { version.repeatIndex += 1 }
        let staging = dir.appendingPathComponent(TemporaryName.make(for: version.name))
        do { try fm.createDirectory(at: staging, withIntermediateDirectories: false) } catch {
            throw WriteError.cannotCreate(path: staging.path, reason: (error as NSError).localizedDescription)
        }
        do {
            try hook(.stagingCreated)
            let p = model.parameters
            try SafetensorsWriter.write(model.layout.entries.map {
                SafetensorsWriter.Entry(name: $0.name, shape: $0.shape,
                                        payload: .f32(UnsafeBufferPointer(start: p.base + $0.offset, count: $0.count)))
            }, to: staging.appendingPathComponent(files.model))
            try hook(.modelWritten)
            try SafetensorsWriter.write([
                .init(name: "exp_avg", shape: [optimizer.m.count], payload: .f32Array(optimizer.m)),
                .init(name: "exp_avg_sq", shape: [optimizer.v.count], payload: .f32Array(optimizer.v)),
            ], to: staging.appendingPathComponent(files.optimizer))
            try hook(.optimizerWritten)
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicWriter.write(try enc.encode(state), to: staging.appendingPathComponent(files.state))
            try hook(.stateWritten)
            try AtomicWriter.move(staging, to: dir.appendingPathComponent(version.name))
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
        try hook(.versionPublished)
        try AtomicWriter.write(Data((version.name + "\n").utf8), to: dir.appendingPathComponent(pointerName))
        try hook(.pointerMoved)
        // The pointer names the new version: everything older may go. Renamed away first, so a
        // kill mid-removal leaves a temporary (removed next time), never half a version.
        for old in existing {
            let from = dir.appendingPathComponent(old.name)
            let away = dir.appendingPathComponent(TemporaryName.make(for: old.name))
            if rename(from.path, away.path) == 0 { try? fm.removeItem(at: away) }
        }
        for legacy in [files.model, files.optimizer, files.state] {
            try? fm.removeItem(at: dir.appendingPathComponent(legacy))
        }
        try hook(.previousRemoved)
    }

    /// Restores parameters and optimizer state; the model must have the checkpoint's layout.
    /// Reads the version the pointer names; when that is missing or unreadable, the newest
    /// complete version; then the old layout (the three files directly in `dir`).
    public static func load(from dir: URL, model: BertModel, optimizer: AdamW) throws -> State {
        var candidates: [URL] = []
        if let text = try? String(contentsOf: dir.appendingPathComponent(pointerName), encoding: .utf8),
           let v = Version(name: text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            candidates.append(dir.appendingPathComponent(v.name))
        }
        for v in versions(in: dir).reversed() {
            let u = dir.appendingPathComponent(v.name)
            if !candidates.contains(u) { candidates.append(u) }
        }
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(files.state).path) { candidates.append(dir) }
        guard !candidates.isEmpty else {
            throw TrainError.badCheckpoint("\(dir.path): no checkpoint here (no '\(pointerName)' file, no step-N folder)")
        }
        var problems: [String] = []
        for c in candidates {
            do { return try loadVersion(c, model: model, optimizer: optimizer) } catch {
                problems.append((error as? LocalizedError)?.errorDescription ?? "\(error)")
            }
        }
        throw TrainError.badCheckpoint(problems.joined(separator: "; "))
    }

    /// The version folders in `dir`, oldest first.
    static func versions(in dir: URL) -> [Version] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.compactMap(Version.init(name:)).sorted()
    }

    /// Loads one version: everything is read and checked before the model or optimizer changes.
    static func loadVersion(_ dir: URL, model: BertModel, optimizer: AdamW) throws -> State {
        let stateURL = dir.appendingPathComponent(files.state)
        let state: State
        do { state = try JSONDecoder().decode(State.self, from: Data(contentsOf: stateURL)) } catch {
            throw TrainError.badCheckpoint("\(stateURL.path): \(error.localizedDescription)")
        }
        let weights = try SafetensorsFile(url: dir.appendingPathComponent(files.model))
        var plan: [(TensorInfo, Int)] = []
        for e in model.layout.entries {
            guard let info = weights.tensors[e.name], info.shape == e.shape else {
                throw TrainError.badCheckpoint("\(weights.path): tensor '\(e.name)' is missing or has another shape than the model's \(e.shape)")
            }
            plan.append((info, e.offset))
        }
        let opt = try SafetensorsFile(url: dir.appendingPathComponent(files.optimizer))
        let m = try opt.floats("exp_avg"), v = try opt.floats("exp_avg_sq")
        guard m.count == optimizer.m.count, v.count == optimizer.v.count else {
            throw TrainError.badCheckpoint("\(opt.path): optimizer state has \(m.count) values, the model \(optimizer.m.count)")
        }
        for (info, offset) in plan { try weights.copyFloats(info, into: model.parameters.base + offset) }
        try optimizer.restore(step: state.adamStep, m: m, v: v)
        return state
    }
}
