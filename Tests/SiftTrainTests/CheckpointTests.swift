import Foundation
import Testing
import SiftCore
import SiftEngine
import SiftTestSupport
@testable import SiftTrain
#if canImport(Glibc)
import Glibc
#endif

/// A tiny model and optimizer whose every value is a function of `tag`, so a loaded checkpoint
/// tells which save it came from.
struct TinyTrainingState {
    let model: BertModel
    let optimizer: AdamW

    init() {
        var c = BertConfig()
        c.vocabSize = 20; c.hiddenSize = 8; c.numHiddenLayers = 1; c.numAttentionHeads = 2
        c.intermediateSize = 16; c.maxPositionEmbeddings = 16
        model = BertModel(config: c, withPooler: true, numLabels: 3)
        let n = model.layout.totalCount
        optimizer = AdamW(count: n, groups: [ParameterGroup(name: "all", offset: 0, count: n)])
    }

    static func value(_ tag: Int, _ i: Int) -> Float { Float(tag) + Float(i % 97) / 128 }

    func fill(_ tag: Int) throws {
        let p = model.parameters.storage
        for i in p.indices { p[i] = Self.value(tag, i) }
        let n = p.count
        try optimizer.restore(step: tag, m: (0..<n).map { Self.value(tag, $0) / 2 }, v: (0..<n).map { Self.value(tag, $0) / 4 })
    }

    /// The tag every value agrees on, or nil when they are mixed or garbage.
    func tag() -> Int? {
        let p = model.parameters.storage
        guard let first = p.first, first.isFinite else { return nil }
        let t = Int(first.rounded(.down))
        for i in p.indices where p[i] != Self.value(t, i) { return nil }
        for i in optimizer.m.indices where optimizer.m[i] != Self.value(t, i) / 2 || optimizer.v[i] != Self.value(t, i) / 4 { return nil }
        return optimizer.step == t ? t : nil
    }

    static func state(_ tag: Int) -> Checkpoint.State {
        Checkpoint.State(epochsDone: tag, globalStep: tag * 10, adamStep: tag, best: Double(tag) / 10, bestEpoch: tag,
                         badEpochs: 0, labels: ["a", "b", "c"])
    }
}

/// What loading `dir` gives: the tag of the values and the state, or the error.
func loadTag(_ dir: URL) -> (tag: Int?, state: Checkpoint.State?, error: String?) {
    let t = TinyTrainingState()
    do {
        let s = try Checkpoint.load(from: dir, model: t.model, optimizer: t.optimizer)
        return (t.tag(), s, nil)
    } catch { return (nil, nil, "\(error)") }
}

func entries(_ dir: URL) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted() }

@Suite struct CheckpointTests {
    @Test func saveAndLoadRoundTripWithAPointerAndOneVersion() throws {
        let dir = scratchFolder("ckpt"); defer { try? FileManager.default.removeItem(at: dir) }
        let t = TinyTrainingState()
        try t.fill(3)
        try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(3))
        #expect(entries(dir) == ["current", "step-30"])
        #expect(try String(contentsOf: dir.appendingPathComponent("current"), encoding: .utf8) == "step-30\n")
        #expect(entries(dir.appendingPathComponent("step-30")) == ["model.safetensors", "optimizer.safetensors", "state.json"])
        let (tag, state, error) = loadTag(dir)
        #expect(error == nil && tag == 3 && state == TinyTrainingState.state(3))
        // The next save replaces the version; the same step saved again gets its own name.
        try t.fill(4)
        try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(4))
        #expect(entries(dir) == ["current", "step-40"])
        try t.fill(5)
        var again = TinyTrainingState.state(4)
        again.adamStep = 5
        try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: again)
        #expect(entries(dir) == ["current", "step-40-1"])
        #expect(loadTag(dir).tag == 5 && loadTag(dir).state == again)
    }

    /// A save that fails at any step leaves the previous checkpoint loadable with its values;
    /// once the pointer moved, the new one is the checkpoint. The next save tidies up.
    @Test(arguments: Checkpoint.SaveStep.allCases)
    func aSaveFailingAtAnyStepLeavesALoadableCheckpoint(_ failing: Checkpoint.SaveStep) throws {
        struct InjectedFailure: Error {}
        let dir = scratchFolder("ckpt"); defer { try? FileManager.default.removeItem(at: dir) }
        let t = TinyTrainingState()
        try t.fill(1)
        try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(1))
        try t.fill(2)
        #expect(throws: InjectedFailure.self) {
            try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(2)) { step in
                if step == failing { throw InjectedFailure() }
            }
        }
        let moved = [.pointerMoved, .previousRemoved].contains(failing)
        let (tag, state, error) = loadTag(dir)
        #expect(error == nil, "\(failing): \(error ?? "")")
        #expect(tag == (moved ? 2 : 1), "\(failing)")
        #expect(state == TinyTrainingState.state(moved ? 2 : 1), "\(failing)")
        #expect(temporaries(in: dir).isEmpty, "\(failing): \(entries(dir))")
        try t.fill(3)
        try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(3))
        #expect(entries(dir) == ["current", "step-30"], "\(failing)")
        #expect(loadTag(dir).tag == 3)
    }

    /// What a kill at each step would leave: the folder copied at that instant. Each copy loads,
    /// as the old checkpoint until the pointer moved and as the new one after; a first save
    /// killed before its pointer exists loads its published version (or nothing yet).
    @Test func aKillAtAnyStepLeavesTheOldOrTheNewCheckpoint() throws {
        let dir = scratchFolder("ckpt"), snaps = scratchFolder("snap")
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: snaps) }
        let t = TinyTrainingState()
        for (round, tag) in [7, 8].enumerated() {
            try t.fill(tag)
            try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(tag)) { step in
                try FileManager.default.copyItem(at: dir, to: snaps.appendingPathComponent("\(round)-\(step.rawValue)"))
            }
        }
        for round in 0..<2 {
            for step in Checkpoint.SaveStep.allCases {
                let (got, state, error) = loadTag(snaps.appendingPathComponent("\(round)-\(step.rawValue)"))
                let pointerMoved = [.pointerMoved, .previousRemoved].contains(step)
                let expected: Int?
                if round == 0 {
                    // No previous checkpoint: nothing until the version is published under its name.
                    expected = pointerMoved || step == .versionPublished ? 7 : nil
                } else {
                    expected = pointerMoved ? 8 : 7
                }
                guard let expected else {
                    #expect(error?.contains("no checkpoint") == true, "round 0 \(step): \(error ?? "loaded")")
                    continue
                }
                #expect(error == nil, "round \(round) \(step): \(error ?? "")")
                #expect(got == expected && state?.globalStep == expected * 10,
                        "round \(round) \(step): got \(got.map(String.init) ?? "mixed values")")
            }
        }
    }

    @Test func theLoaderFallsBackWhenThePointerIsMissingOrWrong() throws {
        let dir = scratchFolder("ckpt"); defer { try? FileManager.default.removeItem(at: dir) }
        let t = TinyTrainingState()
        try t.fill(5)
        try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(5))
        try "step-999\n".write(to: dir.appendingPathComponent("current"), atomically: false, encoding: .utf8)
        #expect(loadTag(dir).tag == 5)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("current"))
        #expect(loadTag(dir).tag == 5)
        // A damaged version is skipped for an older complete one.
        try FileManager.default.copyItem(at: dir.appendingPathComponent("step-50"), to: dir.appendingPathComponent("step-60"))
        try Data("{".utf8).write(to: dir.appendingPathComponent("step-60/state.json"))
        #expect(loadTag(dir).tag == 5)
        // Nothing to load: the error names the folder.
        let empty = scratchFolder("ckpt"); defer { try? FileManager.default.removeItem(at: empty) }
        let e = loadTag(empty).error ?? ""
        #expect(e.contains(empty.path) && e.contains("no checkpoint"))
    }

    /// Checkpoints written before versions (the three files directly in the folder) still load,
    /// and the next save moves them into the new layout.
    @Test func theOldSingleFolderLayoutStillLoads() throws {
        let dir = scratchFolder("ckpt"), tmp = scratchFolder("ckpt")
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: tmp) }
        let t = TinyTrainingState()
        try t.fill(6)
        try Checkpoint.save(to: tmp, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(6))
        for f in ["model.safetensors", "optimizer.safetensors", "state.json"] {
            try FileManager.default.copyItem(at: tmp.appendingPathComponent("step-60/\(f)"), to: dir.appendingPathComponent(f))
        }
        #expect(loadTag(dir).tag == 6)
        try t.fill(7)
        try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(7))
        #expect(entries(dir) == ["current", "step-70"])
    }

    /// The real thing: a child process saves in a loop and is SIGKILLed at random moments,
    /// 24 times. After every kill the folder loads, with values all from one save whose state
    /// matches; the children's progress shows saves really were interrupted and resumed.
    @Test func sigkillDuringSavesAlwaysLeavesALoadableCheckpoint() throws {
        let dir = scratchFolder("ckpt-kill"); defer { try? FileManager.default.removeItem(at: dir) }
        let t = TinyTrainingState()
        try t.fill(1)
        try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(1))
        var rng = SystemRandomNumberGenerator()
        var last = 1
        for trial in 0..<24 {
            let start = last
            let pid = fork()
            if pid == 0 {
                // Child: save tags start+1, start+2, ... until killed. Only this thread exists here.
                var tag = start
                while true {
                    tag += 1
                    do {
                        try t.fill(tag)
                        try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(tag))
                    } catch { _exit(3) }
                }
            }
            try #require(pid > 0, "fork failed")
            usleep(UInt32.random(in: 2_000...40_000, using: &rng))
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let (tag, state, error) = loadTag(dir)
            #expect(error == nil, "trial \(trial): \(error ?? "")")
            let got = try #require(tag, "trial \(trial): values from more than one save, or garbage")
            #expect(state?.globalStep == got * 10, "trial \(trial)")
            #expect(got >= start, "trial \(trial): went back from \(start) to \(got)")
            last = got
        }
        #expect(last > 1, "the children never finished a save")
        try t.fill(last + 1)
        try Checkpoint.save(to: dir, model: t.model, optimizer: t.optimizer, state: TinyTrainingState.state(last + 1))
        // Leftovers of killed saves (temporaries, versions published without the pointer) are
        // removed by the next save. (A killed child may have published step-N already: then -1.)
        let left = entries(dir)
        #expect(left.count == 2 && left[0] == "current" && left[1].hasPrefix("step-\((last + 1) * 10)"), "\(left)")
        #expect(loadTag(dir).tag == last + 1)
    }
}

/// Names in `dir` that look like a writer's temporary file or folder.
func temporaries(in dir: URL) -> [String] { entries(dir).filter { TemporaryName.owner(of: $0) != nil } }
