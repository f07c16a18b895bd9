import Foundation
import Testing
import SiftEngine
import SiftTestSupport
@testable import SiftTrain

/// Training DistilBERT, RoBERTa and XLM-R: every parameter's gradient against PyTorch autograd
/// (scripts/fixtures/make_family_fixtures.py), the trainer's head on a bare base, the training
/// modes, and what a fine-tuned folder looks like.
@Suite struct FamilyTrainingTests {
    static let families = ["distilbert", "roberta", "xlm-roberta"]

    static func folder(_ family: String, _ kind: String) -> URL { TestPaths.fixture("families/\(family)/\(kind)") }

    static func reference(_ dir: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("reference.json"))) as? [String: Any])
    }

    static func sequences(_ doc: [String: Any]) -> [[Int32]] { (doc["sequences"] as! [[Int]]).map { $0.map(Int32.init) } }

    /// Every layout tensor's gradient against PyTorch's (tolerance as the BERT debug state's).
    static func expectGradients(_ grads: ParameterBuffer, _ doc: [String: Any], _ what: String) throws {
        let ref = try #require(doc["grads"] as? [String: Any])
        #expect(ref.count == grads.layout.entries.count, "\(what): PyTorch has \(ref.count) tensors, Sift \(grads.layout.entries.count)")
        var worst: (Double, String) = (0, "")
        for e in grads.layout.entries {
            let want = doubles(try #require(ref[e.name], "\(what): no reference gradient for \(e.name)"))
            let scale = want.map(abs).max() ?? 0
            let d = expectClose(Array(grads[e.name]!), want, atol: max(1e-6, 1e-4 * scale), rtol: 1e-3, "\(what): \(e.name)")
            if d > worst.0 { worst = (d, e.name) }
        }
        print("\(what): \(grads.layout.entries.count) gradients, max |diff| \(worst.0) (\(worst.1))")
    }

    @Test(arguments: families) func sequenceClassifierGradientsEqualPyTorch(_ family: String) throws {
        let doc = try Self.reference(Self.folder(family, "classifier"))
        let model = try BertModel.load(directory: Self.folder(family, "classifier"))
        let opt = Optimization(model: model, loss: CrossEntropyLoss(), maxGradNorm: nil)
        let loss = try opt.accumulate(try PackedBatch(sequences: Self.sequences(doc)), targets: .classes(doc["targets"] as! [Int]))
        let want = (doc["loss"] as! NSNumber).doubleValue
        #expect(abs(loss - want) < 1e-5, "\(family): loss \(loss) vs PyTorch \(want) (\(doc["versions"] ?? ""))")
        try Self.expectGradients(opt.grads, doc, "\(family) classifier")
    }

    @Test(arguments: ["distilbert", "roberta"]) func tokenClassifierGradientsEqualPyTorch(_ family: String) throws {
        let doc = try Self.reference(Self.folder(family, "token"))
        let model = try BertModel.load(directory: Self.folder(family, "token"))
        let update = ParameterUpdate(model: model, trainable: .all, maxGradNorm: nil)
        let loss = try update.accumulateTokens(try PackedBatch(sequences: Self.sequences(doc)), labels: doc["tags"] as! [Int],
                                               loss: CrossEntropyLoss())
        let want = (doc["loss"] as! NSNumber).doubleValue
        #expect(abs(loss - want) < 1e-5, "\(family): token loss \(loss) vs PyTorch \(want)")
        try Self.expectGradients(update.grads, doc, "\(family) token classifier")
    }

    @Test(arguments: families) func theTrainerPutsTheFamilysHeadOnABareBase(_ family: String) throws {
        let model = try Trainer.makeClassifier(base: Self.folder(family, "base"), labels: ["a", "b"], multiLabel: false, seed: 1)
        #expect(model.head == .sequenceClassification(labels: 2))
        let className = ["distilbert": "DistilBert", "roberta": "Roberta", "xlm-roberta": "XLMRoberta"][family]!
        #expect(model.config.architectures == ["\(className)ForSequenceClassification"])
        #expect(!model.layout.hasPooler, "RobertaForSequenceClassification has no pooler; its head has its own dense layer")
        let base = try BertModel.load(directory: Self.folder(family, "base"))
        for e in base.layout.entries where e.part != .pooler {
            #expect(Array(model.parameters[e.name]!) == Array(base.parameters[e.name]!), "\(e.name) copied from the base")
        }
        // New head: N(0, initializer_range) weights, zero biases (transformers' _init_weights).
        let w = Array(model.parameters[model.naming.name(of: .headDense(.weight))]!)
        let sd = (w.map { Double($0 * $0) }.reduce(0, +) / Double(w.count)).squareRoot()
        #expect(abs(sd - Double(model.config.initializerRange)) < 0.03, "head weight std \(sd)")
        #expect(model.parameters[model.naming.name(of: .headDense(.bias))]!.allSatisfy { $0 == 0 })
        #expect(model.parameters[model.naming.name(of: .classifier(.bias))]!.allSatisfy { $0 == 0 })
    }

    @Test(arguments: families) func modesTrainWhatTheySay(_ family: String) throws {
        let doc = try Self.reference(Self.folder(family, "classifier"))
        let batch = try PackedBatch(sequences: Self.sequences(doc))
        let L = 2  // layers of the fixtures
        let modes: [(String, TrainableParts)] = [
            ("full", .all), ("freeze 1", .freezing(layers: 1)),
            ("head only", TrainableParts(embeddings: false, firstTrainableLayer: L, pooler: false)),
        ]
        for (name, parts) in modes {
            let model = try BertModel.load(directory: Self.folder(family, "classifier"))
            let opt = Optimization(model: model, loss: CrossEntropyLoss(), trainable: parts, maxGradNorm: nil)
            try opt.accumulate(batch, targets: .classes(doc["targets"] as! [Int]))
            for e in model.layout.entries {
                let nonzero = opt.grads[e.name]!.contains { $0 != 0 }
                if parts.trains(e.part) {
                    #expect(nonzero || e.role == .embeddingTable && e.id == .tokenTypeEmbeddings, "\(family) \(name): \(e.name) trains")
                } else {
                    #expect(!nonzero, "\(family) \(name): \(e.name) is frozen")
                }
            }
            // The head's dense layer is part of the head: it trains in head-only mode.
            #expect(opt.grads[model.naming.name(of: .headDense(.weight))]!.contains { $0 != 0 })
        }
    }

    @Test func dropoutOfTheRobertaHeadIsAppliedInTheBackward() throws {
        // With masks on the head's input and the classifier's input, the backward must equal a
        // finite difference of the same masked forward (fixed masks; Float, so a loose bound).
        let dir = Self.folder("roberta", "classifier")
        let doc = try Self.reference(dir)
        let batch = try PackedBatch(sequences: Self.sequences(doc))
        let targets = LossTargets.classes(doc["targets"] as! [Int])
        let model = try BertModel.load(directory: dir)
        let rates = DropoutRates(hidden: 0, attention: 0, classifier: 0.5)
        let drop = Dropout(rates: rates, seed: 42)
        let opt = Optimization(model: model, loss: CrossEntropyLoss(), maxGradNorm: nil)
        try opt.accumulate(batch, targets: targets, dropout: drop)
        let entry = model.layout[model.naming.name(of: .headDense(.weight))]!
        let g = opt.grads[entry.name]!
        let i = (0..<entry.count).max { abs(g[$0]) < abs(g[$1]) }!
        let p = model.parameters.base + entry.offset + i, h: Float = 1e-2, keep = p.pointee
        func lossAt(_ v: Float) throws -> Double {
            p.pointee = v
            let o = Optimization(model: model, loss: CrossEntropyLoss(), trainable: .nothing, maxGradNorm: nil)
            return try o.accumulate(batch, targets: targets, dropout: drop)
        }
        let fd = (try lossAt(keep + h) - lossAt(keep - h)) / Double(2 * h)
        p.pointee = keep
        #expect(abs(fd - Double(g[i])) <= 2e-3 + 2e-2 * abs(fd), "finite difference \(fd) vs backward \(g[i])")
    }
}
