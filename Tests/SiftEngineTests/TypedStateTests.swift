import Foundation
import Testing
import SiftTestSupport
@testable import SiftEngine

/// The typed parameter views and activation storage: what the layout entries say, where the
/// views point, and that the forward keeps no LayerNorm statistics.
@Suite struct TypedStateTests {
    static func tinyConfig(layers: Int = 2) -> BertConfig {
        var cfg = BertConfig()
        cfg.vocabSize = 11; cfg.hiddenSize = 8; cfg.numHiddenLayers = layers; cfg.numAttentionHeads = 2
        cfg.intermediateSize = 12; cfg.maxPositionEmbeddings = 9; cfg.typeVocabSize = 2
        return cfg
    }

    @Test func layoutEntriesCarryTheirTensorAndHuggingFaceName() {
        let layout = ParameterLayout(config: Self.tinyConfig(), withPooler: true, numLabels: 3)
        // 5 embedding tensors, 16 per layer, pooler 2, classifier 2.
        #expect(layout.entries.count == 5 + 2 * 16 + 2 + 2)
        let naming = BertCheckpointNames()
        for e in layout.entries {
            #expect(e.name == naming.name(of: e.id))
            #expect(layout[e.name]?.id == e.id)
            #expect(layout[id: e.id]?.offset == e.offset)
        }
        #expect(layout[id: .layer(1, .qkv(.key, .bias))]?.name == "encoder.layer.1.attention.self.key.bias")
        #expect(layout[id: .layer(0, .outputNorm(.weight))]?.name == "encoder.layer.0.output.LayerNorm.weight")
        #expect(layout[id: .embeddingsNorm(.bias)]?.name == "embeddings.LayerNorm.bias")
        #expect(layout["pooler.dense.weight"]?.part == .pooler)
        #expect(layout["encoder.layer.1.intermediate.dense.weight"]?.part == .layer(1))
        #expect(layout["classifier.bias"]?.role == .linearBias)
        #expect(layout["embeddings.word_embeddings.weight"]?.role == .embeddingTable)
    }

    @Test func fusedQKVViewCoversTheThreeCheckpointTensors() throws {
        let cfg = Self.tinyConfig()
        let model = BertModel(config: cfg, withPooler: true, numLabels: 2)
        let C = cfg.hiddenSize
        for l in 0..<cfg.numHiddenLayers {
            let qkv = model.weights.layers[l].attention.qkv
            #expect(qkv.weight.shape == [3 * C, C] && qkv.bias.shape == [3 * C])
            #expect(qkv.inFeatures == C && qkv.outFeatures == 3 * C)
            for (k, name) in ["query", "key", "value"].enumerated() {
                let w = try #require(model.layout["encoder.layer.\(l).attention.self.\(name).weight"])
                let b = try #require(model.layout["encoder.layer.\(l).attention.self.\(name).bias"])
                #expect(w.offset == qkv.weight.offset + k * C * C)
                #expect(b.offset == qkv.bias.offset + k * C)
            }
        }
        // Not adjacent: no fused view.
        #expect(model.layout.fused([.layer(0, .qkv(.query, .weight)), .layer(0, .qkv(.value, .weight))]) == nil)
    }

    @Test func viewsResolveInAnyBufferOfTheLayout() {
        let model = BertModel(config: Self.tinyConfig(), withPooler: true, numLabels: 2)
        let grads = ParameterBuffer(layout: model.layout)
        let w = model.weights
        var viewed: [TensorSlice] = [w.embeddings.word, w.embeddings.position, w.embeddings.tokenType!,
                                     w.embeddings.layerNorm.weight, w.embeddings.layerNorm.bias]
        for layer in w.layers {
            viewed += [layer.attention.qkv.weight, layer.attention.qkv.bias, layer.attention.output.weight,
                       layer.attention.output.bias, layer.attention.layerNorm.weight, layer.attention.layerNorm.bias,
                       layer.intermediate.weight, layer.intermediate.bias, layer.output.weight, layer.output.bias,
                       layer.layerNorm.weight, layer.layerNorm.bias]
        }
        viewed += [w.pooler!.weight, w.pooler!.bias, w.classifier!.weight, w.classifier!.bias]
        // The views tile the buffer exactly once, in layout order.
        var next = 0
        for v in viewed {
            #expect(v.offset == next)
            next += v.count
            #expect(grads.pointer(v) - grads.base == v.offset)
            #expect(model.parameters[v].count == v.count)
        }
        #expect(next == model.layout.totalCount)
        // Writing through a view changes the tensor found by name.
        model.parameters[w.layers[1].intermediate.bias][3] = 42
        #expect(model.parameters["encoder.layer.1.intermediate.dense.bias"]![3] == 42)
    }

    @Test func bareModelHasNoHeadViews() {
        let model = BertModel(config: Self.tinyConfig(), withPooler: false, numLabels: nil)
        #expect(model.weights.pooler == nil && model.weights.classifier == nil)
        #expect(!model.layout.hasPooler && model.layout.numLabels == nil)
    }

    @Test func rolesGiveTransformersWeightDecayRule() {
        let layout = ParameterLayout(config: Self.tinyConfig(), withPooler: true, numLabels: 2)
        for e in layout.entries {
            let byName = !(e.name.contains("bias") || e.name.contains("LayerNorm"))
            #expect(e.role.takesWeightDecay == byName, "\(e.name)")
        }
    }

    @Test func trainablePartsFollowTheModelParts() {
        let freeze = TrainableParts.freezing(layers: 1)
        #expect(!freeze.trains(.embeddings) && !freeze.trains(.layer(0)) && freeze.trains(.layer(1)))
        #expect(freeze.trains(.pooler) && freeze.trains(.classifier))
        let head = TrainableParts(embeddings: false, firstTrainableLayer: 2, pooler: false)
        #expect(!head.trains(.pooler) && !head.trains(.layer(1)) && head.trains(.classifier))
    }

    @Test func layerNormForwardWithoutStatisticsWritesTheSameOutput() {
        let x: [Float] = [1, 2, 3, 4, -1, 0.5, 0, 2, 7, -3, 0.25, 1]
        let w: [Float] = [1, 0.5, 2, -1], b: [Float] = [0, 0.1, 0.2, 0.3]
        var kept = [Float](repeating: 0, count: 12), mean = [Float](repeating: 0, count: 3), rstd = mean
        Ops.layerNormForward(out: &kept, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, n: 3, c: 4, eps: 1e-12)
        var bare = [Float](repeating: 0, count: 12)
        Ops.layerNormForward(out: &bare, inp: x, weight: w, bias: b, n: 3, c: 4, eps: 1e-12, workers: 2)
        #expect(bare == kept)
        #expect(mean[0] == 2.5 && mean[1] == 0.375)
    }

    @Test func layerViewsAliasInInferenceAndSeparateWhenRecording() throws {
        let cfg = Self.tinyConfig()
        let model = BertModel(config: cfg, withPooler: true, numLabels: 2)
        let batch = try PackedBatch(sequences: [[1, 2, 3], [4, 5]])
        let inference = model.makeActivations(recording: false, workers: 1)
        try model.forward(batch, acts: inference, outputs: .logits)
        let a = inference.layer(1)
        #expect(a.attnProj == a.res1 && a.fcAct == a.fcPre && a.ffnOut == a.res2)
        #expect(a.input == inference.hidden(1) && a.output == inference.lastHidden)
        #expect(inference.layer(0).qkv == inference.layer(1).qkv, "inference reuses one slot per tensor")

        let recording = model.makeActivations(recording: true, workers: 1)
        try model.forward(batch, acts: recording, outputs: .logits)
        let r0 = recording.layer(0), r1 = recording.layer(1)
        #expect(r1.attnProj != r1.res1 && r1.fcAct != r1.fcPre && r1.ffnOut != r1.res2)
        #expect(r0.output == r1.input)
        #expect(r1.qkv - r0.qkv == batch.tokenCount * 3 * cfg.hiddenSize)
    }
}
