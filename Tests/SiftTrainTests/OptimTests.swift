import Foundation
import Testing
@testable import SiftTrain

@Suite struct OptimTests {
    @Test func decayRuleFollowsHuggingFaceNames() {
        #expect(ParameterGroup.decays("encoder.layer.0.attention.self.query.weight"))
        #expect(ParameterGroup.decays("classifier.weight"))
        #expect(!ParameterGroup.decays("encoder.layer.0.attention.self.query.bias"))
        #expect(!ParameterGroup.decays("embeddings.LayerNorm.weight"))
        #expect(!ParameterGroup.decays("encoder.layer.3.output.LayerNorm.bias"))
    }

    /// AdamW + clip_grad_norm_ + transformers' linear and cosine warm-up schedules, 6 steps,
    /// against torch.optim.AdamW on three named tensors (decay and no-decay groups).
    @Test(arguments: ["linear", "cosine"])
    func adamWWithScheduleAndClippingMatchesPyTorch(_ sched: String) throws {
        let o = try #require(try loadOptimFixture()["optim"] as? [String: Any])
        let names = o["names"] as! [String]
        let initial = (o["init"] as! [Any]).map(doubles)
        let grads = (o["grads"] as! [Any]).map { ($0 as! [Any]).map(doubles) }
        let run = try #require((o["runs"] as! [[String: Any]]).first { $0["schedule"] as? String == sched })
        var groups: [ParameterGroup] = []
        var off = 0
        for (n, t) in zip(names, initial) { groups.append(ParameterGroup(name: n, offset: off, count: t.count)); off += t.count }
        var params = initial.flatMap { $0.map(Float.init) }
        let opt = AdamW(count: off, groups: groups, weightDecay: Float((run["weight_decay"] as! NSNumber).doubleValue))
        let schedule = LRSchedule(kind: LRSchedule.Kind(rawValue: sched)!, warmupSteps: run["warmup"] as! Int, totalSteps: run["total"] as! Int)
        let baseLR = (run["lr"] as! NSNumber).doubleValue
        let refLRs = doubles(run["lrs"]), refNorms = doubles(run["norms"])
        let after = (run["params_after"] as! [Any]).map { ($0 as! [Any]).map(doubles).flatMap { $0 } }
        for k in 0..<grads.count {
            var g = grads[k].flatMap { $0.map(Float.init) }
            let lr = baseLR * schedule.multiplier(k)
            #expect(abs(lr - refLRs[k]) < 1e-12, "\(sched) lr at step \(k): \(lr) vs \(refLRs[k])")
            let norm = clipGradNorm(&g, groups: groups, maxNorm: 3)
            #expect(abs(Double(norm) - refNorms[k]) < 1e-5 * refNorms[k], "norm at step \(k)")
            opt.update(params: &params, grads: g, lr: Float(lr))
            expectClose(params, after[k], atol: 1e-6, rtol: 1e-5, "\(sched) params after step \(k + 1)")
        }
    }

    @Test func frozenGroupsAreUntouched() {
        let groups = [ParameterGroup(name: "embeddings.word_embeddings.weight", offset: 0, count: 2, trainable: false),
                      ParameterGroup(name: "classifier.weight", offset: 2, count: 2)]
        var p: [Float] = [1, 2, 3, 4]
        let opt = AdamW(count: 4, groups: groups)
        opt.update(params: &p, grads: [1, 1, 1, 1], lr: 0.1)
        #expect(p[0] == 1 && p[1] == 2)
        #expect(p[2] < 3 && p[3] < 4)
    }
}
