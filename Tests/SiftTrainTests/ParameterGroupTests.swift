import Foundation
import Testing
import SiftEngine
@testable import SiftTrain

/// The optimizer's groups come from the layout's typed entries (part → trains, role → decays).
@Suite struct ParameterGroupTests {
    static func tinyModel() -> BertModel {
        var cfg = BertConfig()
        cfg.vocabSize = 11; cfg.hiddenSize = 8; cfg.numHiddenLayers = 3; cfg.numAttentionHeads = 2
        cfg.intermediateSize = 12; cfg.maxPositionEmbeddings = 9; cfg.typeVocabSize = 2
        return BertModel(config: cfg, withPooler: true, numLabels: 2)
    }

    @Test func groupsDecayByRoleAsTransformersDoesByName() {
        let opt = Optimization(model: Self.tinyModel(), loss: CrossEntropyLoss())
        #expect(opt.groups.count == opt.model.layout.entries.count)
        for (g, e) in zip(opt.groups, opt.model.layout.entries) {
            #expect(g.name == e.name && g.offset == e.offset && g.count == e.count)
            #expect(g.decay == ParameterGroup.decays(e.name), "\(e.name)")
            #expect(g.trainable)
        }
        let qkvBias = opt.groups.first { $0.name == "encoder.layer.2.attention.self.value.bias" }
        #expect(qkvBias?.decay == false)
        let wte = opt.groups.first { $0.name == "embeddings.word_embeddings.weight" }
        #expect(wte?.decay == true)
    }

    @Test func frozenPartsGetNoUpdates() {
        let model = Self.tinyModel()
        let opt = Optimization(model: model, loss: CrossEntropyLoss(), trainable: .freezing(layers: 2))
        for g in opt.groups {
            let e = model.layout[g.name]!
            let expected: Bool
            switch e.part {
            case .embeddings: expected = false
            case .layer(let l): expected = l >= 2
            case .pooler, .classifier, .adapters: expected = true
            }
            #expect(g.trainable == expected, "\(g.name)")
        }
        let headOnly = Optimization(model: model, loss: CrossEntropyLoss(),
                                    trainable: TrainableParts(embeddings: false, firstTrainableLayer: 3, pooler: false))
        #expect(headOnly.groups.filter(\.trainable).map(\.name) == ["classifier.weight", "classifier.bias"])
    }
}
