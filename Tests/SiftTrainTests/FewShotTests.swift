import Foundation
import Testing
import SiftData
import SiftEngine
import SiftInference
import SiftTestSupport
@testable import SiftTrain

/// SetFit's pieces against references from scripts/fixtures/make_fewshot_fixtures.py: numpy's
/// RNG and SetFit's real pair sampler, sentence-transformers' CosineSimilarityLoss through the
/// encoder (PyTorch autograd), scikit-learn's LogisticRegression; plus finite differences.
@Suite struct FewShotTests {
    static func fixture(_ name: String) throws -> [String: Any] {
        let url = TestPaths.fixture("fewshot/\(name)")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    // MARK: numpy RandomState and SetFit's sampler

    @Test func numpyRandomStateMatchesNumpy() throws {
        let rng = try #require(try Self.fixture("setfit_sampler.json")["rng"] as? [String: Any])
        var r = NumpyRandomState(seed: 42)
        let raw = (0..<10).map { _ in Int(r.nextUInt32()) }
        #expect(raw == (rng["raw_uint32_first10"] as! [Int]))
        let perms = try #require(rng["permutation_seed42"] as? [String: [Int]])
        for (n, want) in perms {
            var p = NumpyRandomState(seed: 42)
            #expect(p.permutation(Int(n)!) == want, "permutation(\(n))")
        }
    }

    @Test func pairsEqualSetFitsSamplerInCountAndOrder() throws {
        let doc = try Self.fixture("setfit_sampler.json")
        let cases = try #require(doc["cases"] as? [[String: Any]])
        #expect(cases.count >= 10)
        for c in cases {
            let name = c["name"] as! String
            let args = c["args"] as! [String: Any]
            let texts = args["sentences"] as! [String]
            let sampler = ContrastivePairSampler(
                sampling: PairSampling(rawValue: args["sampling_strategy"] as? String ?? "oversampling")!,
                numIterations: args["num_iterations"] as? Int, maxPairs: args["max_pairs"] as? Int)
            let pairs: [ContrastivePair]
            if args["multilabel"] as? Bool == true {
                let hot = args["labels"] as! [[Int]]
                pairs = try sampler.pairs(labelSets: hot.map { row in Set(row.indices.filter { row[$0] != 0 }) })
            } else {
                pairs = try sampler.pairs(classes: args["labels"] as! [Int])
            }
            let want = c["pairs"] as! [[Any]]
            #expect(pairs.count == want.count, "\(name): \(pairs.count) pairs, SetFit \(want.count)")
            for (i, (p, w)) in zip(pairs, want).enumerated() {
                let same = texts[p.first] == w[0] as! String && texts[p.second] == w[1] as! String
                    && Double(p.label) == (w[2] as! NSNumber).doubleValue
                if !same {
                    Issue.record("\(name): pair \(i) is (\(texts[p.first]), \(texts[p.second]), \(p.label)), SetFit has \(w)")
                    break
                }
            }
        }
    }

    @Test func samplerRefusesDataWithoutNegatives() throws {
        #expect(throws: TrainError.self) { try ContrastivePairSampler().pairs(classes: [0, 0, 0]) }
    }

    // MARK: the pair loss and its backward

    /// CosineSimilarityLoss ∘ L2 normalization ∘ mean pooling, differentiated by hand, against
    /// central differences in Double.
    @Test func pairLossBackwardMatchesFiniteDifferences() throws {
        let B = 3, C = 5
        let offsets = [0, 4, 6, 9, 10, 13, 15]  // 2B sequences over 15 tokens
        let hidden = randomArray(15 * C, seed: 11)
        let labels: [Float] = [1, 0, 1]
        for normalize in [false, true] {
            for mode in [PoolingMode.mean, .cls, .max] {
                func loss(_ h: [Double], _ grad: UnsafeMutablePointer<Double>?) -> Double {
                    var pooled = [Double](repeating: 0, count: 2 * B * C)
                    pool(mode, h, offsets, &pooled, C: C)
                    var e = pooled
                    if normalize { for r in 0..<(2 * B) { let n = max(sqrt((0..<C).map { e[r * C + $0] * e[r * C + $0] }.reduce(0, +)), 1e-12); for j in 0..<C { e[r * C + j] /= n } } }
                    var de = [Double](repeating: 0, count: 2 * B * C)
                    let v = e.withUnsafeBufferPointer { eb in de.withUnsafeMutableBufferPointer { d in
                        CosineSimilarityLoss.compute(u: eb.baseAddress!, v: eb.baseAddress! + B * C, labels: labels, B: B, C: C,
                                                     du: d.baseAddress!, dv: d.baseAddress! + B * C)
                    }}
                    guard let grad else { return v }
                    var dp = de
                    if normalize {
                        dp = [Double](repeating: 0, count: 2 * B * C)
                        Backward.l2Normalize(dinp: &dp, dout: de, inp: pooled, rows: 2 * B, C: C)
                    }
                    offsets.withUnsafeBufferPointer { off in
                        Backward.pool(mode, dhidden: grad, dout: dp, hidden: h, offsets: off.baseAddress!, keyMask: nil, B: 2 * B, C: C)
                    }
                    return v
                }
                var analytic = [Double](repeating: 0, count: hidden.count)
                _ = loss(hidden, &analytic)
                let numeric = numericGradient(hidden) { loss($0, nil) }
                expectClose(analytic, numeric, atol: 1e-7, rtol: 1e-5, "\(mode) pooling, normalize \(normalize)")
            }
        }
    }

    /// Reference pooling in Double (what Ops.poolForward does in Float).
    func pool(_ mode: PoolingMode, _ h: [Double], _ offsets: [Int], _ out: inout [Double], C: Int) {
        for s in 0..<(offsets.count - 1) {
            let rows = offsets[s]..<offsets[s + 1]
            for j in 0..<C {
                let col = rows.map { h[$0 * C + j] }
                out[s * C + j] = switch mode {
                case .mean: col.reduce(0, +) / Double(col.count)
                case .cls: col[0]
                case .max: col.max()!
                }
            }
        }
    }

    /// The whole body step on the tiny base model against PyTorch autograd through
    /// sentence-transformers' Pooling (mean), Normalize and CosineSimilarityLoss.
    @Test func bodyStepGradientsMatchPyTorch() throws {
        let doc = try Self.fixture("cosine_loss.json")
        let versions = doc["versions"] as? [String: String] ?? [:]
        let a = (doc["input_ids_a"] as! [[Int]]).map { EncodedText(ids: $0.map(Int32.init)) }
        let b = (doc["input_ids_b"] as! [[Int]]).map { EncodedText(ids: $0.map(Int32.init)) }
        let labels = doubles(doc["labels"]).map(Float.init)
        for variant in doc["variants"] as! [[String: Any]] {
            let normalize = variant["normalize"] as! Bool
            let model = try BertModel.load(directory: TestPaths.fixture("tiny-bert/base"), withClassifier: false)
            let update = ParameterUpdate(model: model, trainable: TrainableParts(pooler: false))
            let loss = try update.accumulatePairs(a, b, labels: labels, pooling: .mean, normalize: normalize)
            let want = (variant["loss"] as! NSNumber).doubleValue
            #expect(abs(loss - want) < 1e-5, "loss \(loss) vs PyTorch \(want) (\(versions))")
            let grads = try #require(variant["grads"] as? [String: Any])
            for e in model.layout.entries where grads[e.name] != nil {
                let ref = doubles(grads[e.name])
                let scale = ref.map(abs).max() ?? 0
                expectClose(Array(update.grads[e.name]!), ref, atol: max(1e-9, 2e-3 * scale), rtol: 2e-3, "normalize \(normalize): \(e.name)")
            }
            for name in variant["zero_grad_params"] as? [String] ?? [] {
                #expect(update.grads[name]?.allSatisfy { $0 == 0 } ?? true, "\(name) must get no gradient")
            }
        }
    }

    // MARK: the logistic-regression head

    @Test func logisticRegressionMatchesScikitLearn() throws {
        let doc = try Self.fixture("logistic_regression.json")
        for c in doc["cases"] as! [[String: Any]] {
            let name = c["name"] as! String
            let X = (c["X"] as! [[Any]]).map { doubles($0) }
            let Xt = (c["X_test"] as! [[Any]]).map { doubles($0) }
            let lr = LogisticRegression(c: (c["C"] as! NSNumber).doubleValue, maxIterations: 5000, tolerance: 1e-10)
            let m: LogisticRegression.Model
            var refCoef = (c["coef"] as! [[Any]]).flatMap { doubles($0) }
            var refBias = doubles(c["intercept"])
            switch c["kind"] as! String {
            case "one_vs_rest_multilabel":
                let Y = (c["Y"] as! [[Int]]).map { $0.map { $0 != 0 } }
                m = try lr.fit(X, .multiHot(Y))
            default:
                let classes = (c["classes"] as! [Int]).count
                m = try lr.fit(X, .classes(c["y"] as! [Int], count: classes))
                if classes == 2 {  // Sift stores the binary case as logits [0, z]
                    refCoef = [Double](repeating: 0, count: refCoef.count) + refCoef
                    refBias = [0] + refBias
                } else {
                    let mean = refBias.reduce(0, +) / Double(refBias.count)
                    refBias = refBias.map { $0 - mean }
                }
            }
            expectClose(m.weight, refCoef, atol: 1e-5, rtol: 1e-4, "\(name) coef")
            expectClose(m.bias, refBias, atol: 1e-5, rtol: 1e-4, "\(name) intercept")
            let proba = Xt.flatMap { m.probabilities($0) }
            let ref = (c["predict_proba"] as! [[Any]]).flatMap { doubles($0) }
            expectClose(proba, ref, atol: 1e-6, rtol: 1e-5, "\(name) predict_proba")
        }
    }

    // MARK: the trainer end to end

    /// Two classes of texts made of the tiny vocabulary's words.
    static func tinyData() -> LabeledDataset {
        let words = ["people": ["he", "she", "his", "her", "him", "they"],
                     "time": ["year", "years", "time", "first", "later", "during"]]
        var ex: [LabeledExample] = []
        for (label, ws) in words.sorted(by: { $0.key < $1.key }) {
            for i in 0..<6 { ex.append(LabeledExample(text: "\(ws[i]) \(ws[(i + 1) % 6]) \(ws[(i + 3) % 6])", labels: [label], line: ex.count + 1)) }
        }
        return LabeledDataset(examples: ex)
    }

    /// The trainer tests' tiny base (its vocabulary has the words above).
    static let tinyBase = TestPaths.fixture("train/tiny-base")

    @Test func setFitFolderLoadsAsAClassifierAndScoresItsHead() throws {
        let out = scratchFolder("setfit")
        defer { try? FileManager.default.removeItem(at: out) }
        var o = SetFitOptions()
        o.examplesPerClass = 4; o.progress = false; o.learningRate = 5e-3; o.maxLength = 16; o.epochs = 20; o.headC = 100
        let data = Self.tinyData()
        let base = Self.tinyBase
        let trainer = try SetFitTrainer(base: base, train: data, validation: data, test: data, options: o, out: out)
        #expect(trainer.train.examples.count == 8)
        let pairs = try trainer.pairs()
        let s = try trainer.run()
        #expect(s.pairs == pairs.count && s.steps == 20 * ((pairs.count + 15) / 16))
        #expect(s.trainLoss?.isFinite == true)
        // Separable classes of known words: the tuned model gets its own training texts right.
        #expect(s.test?.accuracy == 1, "accuracy on all 12 texts (8 trained on) \(s.test?.accuracy ?? -1)")
        #expect(try bundleEncodes(out, "he was", as: [2, 11, 10, 3]))
        #expect(FileManager.default.fileExists(atPath: trainer.testMetricsURL.path))
        // The folder: an embedding classifier whose scores are the fitted head on its embeddings.
        let bundle = try ModelBundle(directory: out)
        let classifier = try #require(bundle.classifier as? EmbeddingClassifier)
        #expect(bundle.labels == ["people", "time"] && bundle.task == .singleLabel)
        let texts = data.examples.map(\.text)
        let runner = OfflineRunner(bundle: bundle)
        let predictions = try runner.classify(texts)
        let vectors = try runner.embed(texts)
        for (p, v) in zip(predictions, vectors) {
            let z = (0..<2).map { k in classifier.head.bias[k] + zip(v, classifier.head.weight[(k * v.count)..<((k + 1) * v.count)]).map(*).reduce(0, +) }
            expectClose(p.logits, z, atol: 1e-5, rtol: 1e-5, "logits from the head")
            #expect(abs(p.scores.reduce(0, +) - 1) < 1e-5)
        }
        // Training moved the encoder: the saved weights differ from the base's.
        let before = try BertModel.load(directory: base, withClassifier: false)
        #expect(Array(before.parameters.storage) != Array(bundle.model.parameters.storage))
        // A sentence-transformers folder: mean pooling as the base, max length as trained.
        #expect(bundle.pooling == .mean && bundle.maxLength == 16)
    }

    func bundleEncodes(_ dir: URL, _ text: String, as ids: [Int32]) throws -> Bool {
        try ModelBundle(directory: dir).encoder.encode(text).ids == ids
    }

    @Test func frozenBodyBaselineKeepsTheEncoder() throws {
        let out = scratchFolder("setfit-frozen")
        defer { try? FileManager.default.removeItem(at: out) }
        var o = SetFitOptions()
        o.trainBody = false; o.progress = false
        let s = try SetFitTrainer(base: Self.tinyBase, train: Self.tinyData(), options: o, out: out).run()
        #expect(s.steps == 0)
        let base = try BertModel.load(directory: Self.tinyBase, withClassifier: false)
        let saved = try BertModel.load(directory: out, withClassifier: false)
        #expect(Array(base.parameters.storage) == Array(saved.parameters.storage))
    }

    @Test func badFewShotInputIsRefusedClearly() throws {
        let out = scratchFolder("setfit-bad")
        defer { try? FileManager.default.removeItem(at: out) }
        let base = Self.tinyBase
        var o = SetFitOptions(); o.progress = false
        // One example of a class: no positive pair for it.
        let one = LabeledDataset(examples: [LabeledExample(text: "goal", labels: ["sport"]), LabeledExample(text: "match", labels: ["sport"]),
                                            LabeledExample(text: "phone", labels: ["tech"])])
        #expect { try SetFitTrainer(base: base, train: one, options: o, out: out) } throws: {
            ($0 as? TrainError)?.errorDescription?.contains("'tech' has only one training example") == true
        }
        let single = LabeledDataset(examples: [LabeledExample(text: "goal", labels: ["sport"]), LabeledExample(text: "match", labels: ["sport"])])
        #expect(throws: TrainError.self) { try SetFitTrainer(base: base, train: single, options: o, out: out) }
        o.examplesPerClass = 1
        #expect { try SetFitTrainer(base: base, train: Self.tinyData(), options: o, out: out) } throws: {
            ($0 as? TrainError)?.errorDescription?.contains("--examples-per-class must be at least 2") == true
        }
        var withEmpty = Self.tinyData()
        withEmpty.examples[0].text = "  "
        o.examplesPerClass = nil
        #expect { try SetFitTrainer(base: base, train: withEmpty, options: o, out: out) } throws: {
            ($0 as? TrainError)?.errorDescription?.contains("empty text") == true
        }
    }

    @Test func examplesPerClassAreSeededAndBalanced() throws {
        let d = Self.tinyData()
        let a = try FewShotSample.perClass(d, count: 3, seed: 1), b = try FewShotSample.perClass(d, count: 3, seed: 1)
        let c = try FewShotSample.perClass(d, count: 3, seed: 2)
        #expect(a.examples == b.examples)
        #expect(a.examples != c.examples)
        #expect(Dictionary(grouping: a.examples, by: \.label).mapValues(\.count) == ["people": 3, "time": 3])
    }

    @Test func multiLabelSetFitTrainsOneVsRestHeads() throws {
        let out = scratchFolder("setfit-multi")
        defer { try? FileManager.default.removeItem(at: out) }
        let texts = ["he said", "she said", "the city", "the state", "he said the city", "she said the state", "we know", "the world"]
        let tags: [[String]] = [["talk"], ["talk"], ["place"], ["place"], ["talk", "place"], ["talk", "place"], ["talk"], ["place"]]
        let data = LabeledDataset(examples: zip(texts, tags).enumerated().map { LabeledExample(text: $1.0, labels: $1.1, line: $0 + 1) },
                                  multiLabel: true)
        var o = SetFitOptions(); o.progress = false; o.maxLength = 16; o.learningRate = 1e-3
        let trainer = try SetFitTrainer(base: Self.tinyBase, train: data, test: data, options: o, out: out)
        #expect(trainer.labelSets.contains([0, 1]))
        let s = try trainer.run()
        #expect(s.test?.microF1 != nil && s.test?.accuracy == nil)
        let bundle = try ModelBundle(directory: out)
        #expect(bundle.task == .multiLabel && bundle.labels == ["place", "talk"])
        let p = try OfflineRunner(bundle: bundle).classify(["he said the city"])[0]
        // Sigmoid per label, not a softmax.
        for (score, z) in zip(p.scores, p.logits) { #expect(abs(score - 1 / (1 + exp(-z))) < 1e-6) }
    }

    @Test func headFilesThatCannotBeUsedAreRefused() throws {
        let dir = scratchFolder("bad-head")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        for name in ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"] {
            try fm.copyItem(at: Self.tinyBase.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        // SetFit's own pickled head: refused with a way out, never unpickled.
        try Data([0x80, 0x04]).write(to: dir.appendingPathComponent("model_head.pkl"))
        #expect { try ModelBundle(directory: dir) } throws: { "\($0)".contains("pickled scikit-learn head") }
        try fm.removeItem(at: dir.appendingPathComponent("model_head.pkl"))
        // A head for other embeddings, or for other labels.
        try EmbeddingHead(labels: ["a", "b"], weight: [Float](repeating: 0.1, count: 2 * 7), bias: [0, 0], problemType: .singleLabel).write(directory: dir)
        #expect { try ModelBundle(directory: dir) } throws: { "\($0)".contains("7-dimensional") }
        try EmbeddingHead(labels: ["a", "b"], weight: [Float](repeating: 0.1, count: 2 * 32), bias: [0, 0], problemType: .singleLabel).write(directory: dir)
        #expect(try ModelBundle(directory: dir).labels == ["a", "b"])
        try Data(#"{"labels": ["a", "b", "c"]}"#.utf8).write(to: dir.appendingPathComponent("config_setfit.json"))
        #expect { try ModelBundle(directory: dir) } throws: { "\($0)".contains("2 rows and bias 2 for the 3 labels") }
    }
}
