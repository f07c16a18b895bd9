import Foundation
import Testing
import SiftEngine
import SiftTestSupport
@testable import SiftTrain

/// Training-mode dropout: PyTorch parity with injected masks (fixture `train/dropout-state`,
/// scripts/fixtures/make_train_fixtures.py), exactness at p = 0, seeded reproducibility, kept
/// fractions, and evaluation untouched.
@Suite struct DropoutTests {
    struct State {
        var doc: [String: Any]
        var model: BertModel
        var batch: PackedBatch
        var targets: [Int]
        var masks: [String: [Float]]  // 0/1 keep-masks in Sift's layouts
    }

    func load() throws -> State {
        let dir = TestPaths.fixture("train/dropout-state")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("dropout_state.json"))) as? [String: Any])
        let model = try BertModel.load(directory: dir, withClassifier: true)
        let seqs = (doc["sequences"] as! [[Int]]).map { $0.map(Int32.init) }
        let types = (doc["type_ids"] as! [[Int]]).map { $0.map(Int32.init) }
        let raw = try #require(doc["masks"] as? [String: Any])
        return State(doc: doc, model: model, batch: try PackedBatch(sequences: seqs, typeIds: types),
                     targets: doc["targets"] as! [Int], masks: raw.mapValues { doubles($0).map(Float.init) })
    }

    /// The fixture's key for a site.
    static func key(_ site: DropoutSite) -> String {
        switch site {
        case .embeddings: "embeddings"
        case .classifier: "classifier"
        case .headInput: "head_input"
        case .attentionProbs(let l): "layer.\(l).attention_probs"
        case .attentionOutput(let l): "layer.\(l).attention_output"
        case .output(let l): "layer.\(l).output"
        case .lora(let s): "layer.\(s.layer).lora.\(s.module)"
        }
    }

    static func sites(layers: Int) -> [DropoutSite] {
        [.embeddings, .classifier] + (0..<layers).flatMap { [.attentionProbs(layer: $0), .attentionOutput(layer: $0), .output(layer: $0)] }
    }

    /// Masks from the fixture, scaled by 1/(1−p) as nn.Dropout scales kept units.
    static func provider(_ masks: [String: [Float]], _ rates: DropoutRates) -> Dropout.MaskProvider {
        { site, out in
            let m = masks[key(site)] ?? []
            precondition(m.count == out.count, "\(site): fixture has \(m.count) mask values, the engine wants \(out.count)")
            let scale = 1 / (1 - rates.rate(site))
            for i in 0..<out.count { out[i] = m[i] * scale }
        }
    }

    @Test func everyGradientMatchesPyTorchWithInjectedMasks() throws {
        let s = try load()
        let versions = s.doc["versions"] as? [String: String] ?? [:]
        let ref = try #require(s.doc["rates"] as? [String: Double])
        // Rates come from config.json, classifier_dropout included.
        let rates = DropoutRates(config: s.model.config)
        #expect(rates == DropoutRates(hidden: Float(ref["hidden"]!), attention: Float(ref["attention"]!),
                                      classifier: Float(ref["classifier"]!)))
        #expect(rates.classifier != rates.hidden, "the fixture must tell classifier_dropout from hidden_dropout_prob")

        let opt = Optimization(model: s.model, loss: CrossEntropyLoss())
        let loss = try opt.accumulate(s.batch, targets: .classes(s.targets),
                                      dropout: Dropout(rates: rates, provider: Self.provider(s.masks, rates)))
        let refLoss = (s.doc["loss"] as! NSNumber).doubleValue
        #expect(abs(loss - refLoss) < 1e-5, "loss \(loss) vs PyTorch \(refLoss) (fixture from \(versions); regenerate with scripts/fixtures/make_train_fixtures.py dropout-state)")
        expectClose(opt.lastLogits, doubles(s.doc["logits"]), atol: 1e-5, rtol: 1e-4, "logits with dropout")
        // Every site took its mask and kept it for the backward.
        let kept = try #require(opt.acts.dropout)
        for site in Self.sites(layers: s.model.config.numHiddenLayers) {
            let m = try #require(kept.mask(site), "\(site) was not dropped")
            let want = s.masks[Self.key(site)]!
            let scale = 1 / (1 - rates.rate(site))
            #expect(Array(UnsafeBufferPointer(start: m, count: want.count)) == want.map { $0 * scale }, "\(site) mask")
        }
        let grads = try #require(s.doc["grads"] as? [String: Any])
        #expect(grads.count == s.model.layout.entries.count)
        var report: [String] = []
        for e in s.model.layout.entries {
            let want = doubles(grads[e.name])
            let scale = want.map(abs).max() ?? 0
            let d = expectClose(Array(opt.grads[e.name]!), want, atol: max(1e-7, 1e-4 * scale), rtol: 1e-4, e.name)
            report.append("\(e.name): max |diff| \(d) (max |grad| \(scale))")
        }
        print("dropout parity (torch \(versions["torch"] ?? "?")):\n" + report.joined(separator: "\n"))
    }

    @Test func seededMasksAreWhatTheForwardApplied() throws {
        // A seeded step, replayed with its own stored masks injected: same logits and gradients,
        // bit for bit. With the injected-mask parity above, the seeded path's backward is right too.
        let s = try load()
        let rates = DropoutRates(config: s.model.config)
        let a = Optimization(model: s.model, loss: CrossEntropyLoss())
        try a.accumulate(s.batch, targets: .classes(s.targets), dropout: Dropout(rates: rates, seed: Dropout.seed(run: 7, step: 3)))
        var stored: [String: [Float]] = [:]
        for site in Self.sites(layers: s.model.config.numHiddenLayers) {
            let m = try #require(a.acts.dropout?.mask(site))
            let n = a.acts.dropout!.count(site)
            stored[Self.key(site)] = Array(UnsafeBufferPointer(start: m, count: n)).map { $0 == 0 ? 0 : 1 }
        }
        let b = Optimization(model: s.model, loss: CrossEntropyLoss())
        try b.accumulate(s.batch, targets: .classes(s.targets), dropout: Dropout(rates: rates, provider: Self.provider(stored, rates)))
        #expect(a.lastLogits == b.lastLogits)
        #expect(Array(a.grads.storage) == Array(b.grads.storage))
        // ...and dropout did change the step (logits differ from eval mode).
        #expect(a.lastLogits != doubles(s.doc["eval_logits"]).map(Float.init))
    }

    @Test func zeroProbabilitiesGiveExactlyTheNoDropoutStep() throws {
        let s = try load()
        let plain = Optimization(model: s.model, loss: CrossEntropyLoss())
        try plain.accumulate(s.batch, targets: .classes(s.targets))
        for rates in [DropoutRates.none, DropoutRates(hidden: 0, attention: 0, classifier: 0)] {
            let zero = Optimization(model: s.model, loss: CrossEntropyLoss())
            try zero.accumulate(s.batch, targets: .classes(s.targets), dropout: Dropout(rates: rates, seed: 1))
            #expect(zero.lastLogits == plain.lastLogits)
            #expect(Array(zero.grads.storage) == Array(plain.grads.storage))
        }
        // One rate at 0 leaves its sites alone (no mask kept, nothing asked of a provider).
        let partial = Optimization(model: s.model, loss: CrossEntropyLoss())
        try partial.accumulate(s.batch, targets: .classes(s.targets),
                               dropout: Dropout(rates: DropoutRates(hidden: 0, attention: 0.3, classifier: 0), seed: 1))
        #expect(partial.acts.dropout?.mask(.embeddings) == nil && partial.acts.dropout?.mask(.classifier) == nil)
        #expect(partial.acts.dropout?.mask(.attentionProbs(layer: 1)) != nil)
    }

    @Test func seededMasksAreReproducibleAndDifferBetweenStepsAndSeeds() throws {
        let s = try load()
        let rates = DropoutRates(config: s.model.config)
        func masks(_ seed: UInt64) throws -> [[Float]] {
            let acts = s.model.makeActivations(recording: true)
            try s.model.forward(s.batch, acts: acts, outputs: .logits, dropout: Dropout(rates: rates, seed: seed))
            return Self.sites(layers: 2).map { site in
                Array(UnsafeBufferPointer(start: acts.dropout!.mask(site)!, count: acts.dropout!.count(site)))
            }
        }
        let first = try masks(Dropout.seed(run: 42, step: 0))
        #expect(try masks(Dropout.seed(run: 42, step: 0)) == first, "same seed and step, same masks")
        for other in [Dropout.seed(run: 42, step: 1), Dropout.seed(run: 43, step: 0), Dropout.seed(run: 42, step: 0, microBatch: 1)] {
            let m = try masks(other)
            for (a, b) in zip(first, m) { #expect(a != b) }
        }
        // Sites draw from separate streams: equal-sized masks in one forward differ.
        #expect(first[0] != first[3] && first[3] != first[4])
        // Different workers (thread counts) draw the same masks.
        let one = s.model.makeActivations(recording: true, workers: 1)
        try s.model.forward(s.batch, acts: one, outputs: .logits, dropout: Dropout(rates: rates, seed: Dropout.seed(run: 42, step: 0)))
        #expect(Array(UnsafeBufferPointer(start: one.dropout!.mask(.attentionProbs(layer: 0))!, count: first[2].count)) == first[2])
    }

    @Test(arguments: [Float(0.1), 0.25, 0.5, 0.9])
    func keptFractionIsOneMinusP(_ p: Float) {
        let n = 1 << 20
        var mask = [Float](repeating: -1, count: n + 3)  // odd count: the tail word too
        var x = [Float](repeating: 2, count: n + 3)
        mask.withUnsafeMutableBufferPointer { m in
            x.withUnsafeMutableBufferPointer { DropoutRNG.fillMask(m.baseAddress!, count: n + 3, p: p, seed: 5, apply: $0.baseAddress, workers: 2) }
        }
        let scale = 1 / (1 - p)
        #expect(mask.allSatisfy { $0 == 0 || $0 == scale })
        #expect(zip(x, mask).allSatisfy { $0 == 2 * $1 }, "applied in the same pass")
        let kept = Double(mask.filter { $0 != 0 }.count) / Double(mask.count)
        // 4σ of a binomial at n = 2^20 is below 0.002.
        #expect(abs(kept - Double(1 - p)) < 0.002, "kept \(kept), want \(1 - p)")
        // Counter-based: any worker count draws the same mask, and it is lane i % 4 of output
        // i / 4 of DropoutRNG(seed:), as documented.
        var single = [Float](repeating: 0, count: n + 3)
        single.withUnsafeMutableBufferPointer { DropoutRNG.fillMask($0.baseAddress!, count: n + 3, p: p, seed: 5, workers: 1) }
        #expect(single == mask)
        var rng = DropoutRNG(seed: 5)
        let threshold = UInt64((Double(p) * 65536).rounded())
        for k in 0..<64 {
            let r = rng.next()
            for j in 0..<4 { #expect(mask[4 * k + j] == ((r >> UInt64(16 * j)) & 0xFFFF >= threshold ? scale : 0)) }
        }
    }

    @Test func evaluationIsDeterministicAndUnaffected() throws {
        let s = try load()
        let evalLogits = doubles(s.doc["eval_logits"])
        let L = s.model.layout.numLabels!
        func logits(_ acts: Activations) -> [Float] { Array(UnsafeBufferPointer(start: acts.logits, count: s.batch.batchSize * L)) }
        // Inference forward of a model whose config has dropout: PyTorch's eval-mode logits.
        // One worker on both sides, so the comparison below can be exact (lanes are compared with
        // one thread in ThreadingTests).
        let inference = s.model.makeActivations(workers: 1)
        try s.model.forward(s.batch, acts: inference, outputs: .logits)
        expectClose(logits(inference), evalLogits, atol: 1e-5, rtol: 1e-4, "eval logits")
        // A recording workspace that just ran with dropout, run again without: same as inference,
        // and its stale masks are disarmed (a backward would not apply them).
        let rec = s.model.makeActivations(recording: true, workers: 1)
        try s.model.forward(s.batch, acts: rec, outputs: .logits, dropout: Dropout(rates: DropoutRates(config: s.model.config), seed: 9))
        #expect(logits(rec) != logits(inference))
        try s.model.forward(s.batch, acts: rec, outputs: .logits)
        #expect(logits(rec) == logits(inference))
        #expect(rec.dropout?.mask(.embeddings) == nil && rec.dropout?.classifierInput == nil)
        // Dropout needs a recording workspace and probabilities in [0, 1).
        #expect(throws: EngineError.self) {
            try s.model.forward(s.batch, acts: inference, outputs: .logits, dropout: Dropout(rates: DropoutRates(config: s.model.config), seed: 1))
        }
        #expect(throws: EngineError.self) {
            try s.model.forward(s.batch, acts: rec, outputs: .logits, dropout: Dropout(rates: DropoutRates(hidden: 1, attention: 0), seed: 1))
        }
    }

    @Test func classifierDropoutFallsBackToHidden() throws {
        var cfg = BertConfig()
        cfg.hiddenDropoutProb = 0.15; cfg.attentionProbsDropoutProb = 0.05
        #expect(DropoutRates(config: cfg) == DropoutRates(hidden: 0.15, attention: 0.05, classifier: 0.15))
        cfg.classifierDropout = 0.4
        #expect(DropoutRates(config: cfg).classifier == 0.4)
        // bert-base defaults when config.json says nothing.
        let empty = try JSONDecoder().decode(BertConfig.self, from: Data("{}".utf8))
        #expect(DropoutRates(config: empty) == DropoutRates(hidden: 0.1, attention: 0.1))
    }
}

@Suite struct TrainerDropoutTests {
    func run(_ o: TrainingOptions, epochs: Int = 1) throws -> (Trainer, URL) {
        let out = TinyTask.tempDir()
        var o = o
        o.epochs = epochs
        let t = try Trainer(base: TinyTask.base, train: TinyTask.dataset(24, seed: 11), eval: TinyTask.dataset(9, seed: 12),
                            options: o, out: out)
        _ = try t.run()
        return (t, out)
    }

    @Test func ratesDefaultToTheBaseConfigAndOptionsOverrideThem() throws {
        let (plain, a) = try run(TinyTask.options())
        defer { try? FileManager.default.removeItem(at: a) }
        #expect(plain.dropoutRates == DropoutRates(hidden: 0.1, attention: 0.1))  // tiny-base's config.json
        var o = TinyTask.options()
        o.hiddenDropout = 0.05; o.attentionDropout = 0; o.classifierDropout = 0.3
        let (custom, b) = try run(o)
        defer { try? FileManager.default.removeItem(at: b) }
        #expect(custom.dropoutRates == DropoutRates(hidden: 0.05, attention: 0, classifier: 0.3))
        // Saved in the output config.json, as transformers saves an overridden config.
        let cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: b.appendingPathComponent("config.json"))) as! [String: Any]
        #expect((cfg["hidden_dropout_prob"] as? NSNumber)?.floatValue == 0.05)
        #expect((cfg["attention_probs_dropout_prob"] as? NSNumber)?.floatValue == 0)
        #expect((cfg["classifier_dropout"] as? NSNumber)?.floatValue == 0.3)
        // Bad values are refused before any work.
        let unused = TinyTask.tempDir()
        defer { try? FileManager.default.removeItem(at: unused) }
        for bad in [1.0, -0.1] {
            var o = TinyTask.options(); o.hiddenDropout = bad
            #expect(throws: TrainError.self) {
                _ = try Trainer(base: TinyTask.base, train: TinyTask.dataset(6, seed: 1), eval: TinyTask.dataset(3, seed: 2),
                                options: o, out: unused)
            }
        }
    }

    @Test func sameSeedSameRunAndDropoutChangesTraining() throws {
        let (a, da) = try run(TinyTask.options())
        let (b, db) = try run(TinyTask.options())
        var off = TinyTask.options()
        off.hiddenDropout = 0; off.attentionDropout = 0
        let (c, dc) = try run(off)
        defer { for d in [da, db, dc] { try? FileManager.default.removeItem(at: d) } }
        #expect(Array(a.model.parameters.storage) == Array(b.model.parameters.storage), "same seed, same run")
        #expect(Array(a.model.parameters.storage) != Array(c.model.parameters.storage), "dropout must change training")
        // Evaluation is deterministic: it runs without dropout.
        let e1 = try a.evaluate(a.eval, features: nil, loss: CrossEntropyLoss())
        let e2 = try a.evaluate(a.eval, features: nil, loss: CrossEntropyLoss())
        #expect(e1.loss == e2.loss && e1.accuracy == e2.accuracy)
    }

    @Test func headOnlyAppliesOnlyTheClassifierDropout() throws {
        var o = TinyTask.options(.headOnly)
        o.learningRate = 1e-2
        o.classifierDropout = 0.3
        let (a, da) = try run(o, epochs: 2)
        o.hiddenDropout = 0.5; o.attentionDropout = 0.5   // ignored: the encoder runs in eval mode
        let (b, db) = try run(o, epochs: 2)
        o.classifierDropout = 0
        let (c, dc) = try run(o, epochs: 2)
        defer { for d in [da, db, dc] { try? FileManager.default.removeItem(at: d) } }
        #expect(Array(a.model.parameters.storage) == Array(b.model.parameters.storage))
        #expect(Array(a.model.parameters.storage) != Array(c.model.parameters.storage), "classifier dropout must apply")
    }
}
