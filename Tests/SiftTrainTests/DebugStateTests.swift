import Foundation
import Testing
import SiftEngine
import SiftTestSupport
@testable import SiftTrain

/// llm.c's test_gpt2 for BERT: the debug state written by scripts/fixtures/make_train_fixtures.py
/// (PyTorch autograd on a tiny random BertForSequenceClassification) against Sift's forward,
/// hand-written backward, and AdamW loop.
@Suite struct DebugStateTests {
    struct State {
        var doc: [String: Any]
        var model: BertModel
        var batch: PackedBatch
        var targets: [Int]
    }

    func load() throws -> State {
        let dir = TestPaths.fixture("train/debug-state")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("debug_state.json"))) as? [String: Any])
        let model = try BertModel.load(directory: dir, withClassifier: true)
        let seqs = (doc["sequences"] as! [[Int]]).map { $0.map(Int32.init) }
        return State(doc: doc, model: model, batch: try PackedBatch(sequences: seqs), targets: doc["targets"] as! [Int])
    }

    @Test func everyGradientMatchesPyTorch() throws {
        let s = try load()
        let versions = s.doc["versions"] as? [String: String] ?? [:]
        let opt = Optimization(model: s.model, loss: CrossEntropyLoss(), weightDecay: 0.01)
        let loss = try opt.accumulate(s.batch, targets: .classes(s.targets))
        let refLoss = (s.doc["loss"] as! NSNumber).doubleValue
        #expect(abs(loss - refLoss) < 1e-5, "loss \(loss) vs PyTorch \(refLoss) (fixture from \(versions); regenerate with scripts/fixtures/make_train_fixtures.py)")
        expectClose(opt.lastLogits, doubles(s.doc["logits"]), atol: 1e-5, rtol: 1e-4, "logits")
        let ref = try #require(s.doc["grads"] as? [String: Any])
        #expect(ref.count == s.model.layout.entries.count, "PyTorch has \(ref.count) tensors, Sift \(s.model.layout.entries.count)")
        var report: [String] = []
        for e in s.model.layout.entries {
            let want = doubles(ref[e.name])
            let got = Array(opt.grads[e.name]!)
            // |a−b| ≤ atol + 1e-4·|b|, atol scaled to the tensor (1e-4 of its largest gradient):
            // a gradient that is exactly zero in PyTorch (padding rows) must be ~0 here too.
            let scale = want.map(abs).max() ?? 0
            let d = expectClose(got, want, atol: max(1e-7, 1e-4 * scale), rtol: 1e-4, e.name)
            report.append("\(e.name): max |diff| \(d) (max |grad| \(scale))")
        }
        print(report.joined(separator: "\n"))
    }

    @Test func backwardTwiceDoublesEveryGradient() throws {
        let s = try load()
        let opt = Optimization(model: s.model, loss: CrossEntropyLoss())
        try opt.accumulate(s.batch, targets: .classes(s.targets))
        let once = Array(opt.grads.storage)
        try opt.accumulate(s.batch, targets: .classes(s.targets))
        // fp32: the second pass adds into a non-zero buffer (gemm with beta 1 rounds differently
        // from beta 0), so equality holds to rounding; overwriting instead of adding would miss by |g|.
        expectClose(Array(opt.grads.storage), once.map { 2 * $0 }, atol: 1e-7, rtol: 1e-5, "twice")
    }

    @Test func tenAdamWStepsMatchPyTorchLosses() throws {
        let s = try load()
        let a = try #require(s.doc["adamw"] as? [String: Any])
        let refLosses = doubles(a["losses"])
        let opt = Optimization(model: s.model, loss: CrossEntropyLoss(),
                               weightDecay: Float((a["weight_decay"] as! NSNumber).doubleValue),
                               maxGradNorm: Float((a["max_grad_norm"] as! NSNumber).doubleValue))
        let sched = LRSchedule(kind: .linear, warmupSteps: a["warmup"] as! Int, totalSteps: a["total"] as! Int)
        let lr = (a["lr"] as! NSNumber).doubleValue
        var losses: [Double] = []
        for step in 0..<refLosses.count {
            losses.append(try opt.accumulate(s.batch, targets: .classes(s.targets)))
            opt.apply(lr: Float(lr * sched.multiplier(step)))
        }
        print("Sift losses:   \(losses)\nPyTorch losses: \(refLosses)")
        expectClose(losses, refLosses, atol: 1e-5, rtol: 1e-4, "10 AdamW step losses")
    }

    @Test func freezingSkipsFrozenTensors() throws {
        let s = try load()
        let opt = Optimization(model: s.model, loss: CrossEntropyLoss(), trainable: .freezing(layers: 1))
        try opt.accumulate(s.batch, targets: .classes(s.targets))
        let full = Optimization(model: s.model, loss: CrossEntropyLoss())
        try full.accumulate(s.batch, targets: .classes(s.targets))
        for e in s.model.layout.entries {
            let g = Array(opt.grads[e.name]!)
            if e.name.hasPrefix("embeddings.") || e.name.hasPrefix("encoder.layer.0.") {
                #expect(g.allSatisfy { $0 == 0 }, "\(e.name) is frozen but has a gradient")
            } else {
                // Trainable tensors get exactly the full model's gradient.
                expectClose(g, Array(full.grads[e.name]!), atol: 0, rtol: 0, e.name)
            }
        }
    }
}
