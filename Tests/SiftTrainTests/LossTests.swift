import Foundation
import Testing
import SiftEngine
import SiftTestSupport
@testable import SiftTrain

/// Fixture written by scripts/fixtures/make_train_fixtures.py (PyTorch, Double).
func loadOptimFixture() throws -> [String: Any] {
    let url = TestPaths.fixture("train/optim.json")
    let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    return try #require(obj as? [String: Any], "\(url.path) is not a JSON object")
}

func doubles(_ any: Any?) -> [Double] { (any as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? [] }

/// Runs a loss in Float and Double; returns (loss, gradient) of each.
func runLoss<L: TrainingLoss>(_ loss: L, logits: [Double], targets: LossTargets, B: Int, K: Int)
    -> (Double, [Double], Double, [Float]) {
    var gD = [Double](repeating: 0, count: logits.count)
    var gF = [Float](repeating: 0, count: logits.count)
    let lD = loss.compute(logits: logits, targets: targets, B: B, K: K, dlogits: &gD, scale: 1)
    let lF = loss.compute(logits: logits.map(Float.init), targets: targets, B: B, K: K, dlogits: &gF, scale: 1)
    return (lD, gD, lF, gF)
}

@Suite struct LossTests {
    @Test func crossEntropyMatchesPyTorch() throws {
        let fx = try loadOptimFixture()
        let l = try #require(fx["losses"] as? [String: Any])
        let B = l["B"] as! Int, K = l["K"] as! Int
        let logits = doubles(l["logits"]), w = doubles(l["weight"])
        let y = (l["targets"] as! [Int])
        for case let c as [String: Any] in l["ce"] as! [Any] {
            let weighted = c["weighted"] as! Bool, eps = (c["label_smoothing"] as! NSNumber).doubleValue
            let loss = CrossEntropyLoss(classWeights: weighted ? w : nil, labelSmoothing: eps)
            let (lD, gD, lF, gF) = runLoss(loss, logits: logits, targets: .classes(y), B: B, K: K)
            let ref = (c["loss"] as! NSNumber).doubleValue
            let tag = "CE weighted=\(weighted) eps=\(eps)"
            #expect(abs(lD - ref) <= 1e-10 + 1e-9 * abs(ref), "\(tag): \(lD) vs \(ref)")
            #expect(abs(lF - ref) <= 1e-5 + 1e-4 * abs(ref), "\(tag) Float: \(lF) vs \(ref)")
            expectClose(gD, doubles(c["grad"]), atol: 1e-10, rtol: 1e-9, "\(tag) grad")
            expectClose(gF, doubles(c["grad"]), atol: 1e-6, rtol: 1e-4, "\(tag) grad Float")
        }
    }

    @Test func bceWithLogitsMatchesPyTorch() throws {
        let l = try #require(try loadOptimFixture()["losses"] as? [String: Any])
        let B = l["B"] as! Int, K = l["K"] as! Int
        let logits = doubles(l["logits"]), y = doubles(l["multi_targets"]), pw = doubles(l["pos_weight"])
        for case let c as [String: Any] in l["bce"] as! [Any] {
            let withPW = c["pos_weight"] as! Bool
            let (lD, gD, _, gF) = runLoss(BCEWithLogitsLoss(posWeight: withPW ? pw : nil), logits: logits, targets: .values(y), B: B, K: K)
            let ref = (c["loss"] as! NSNumber).doubleValue
            #expect(abs(lD - ref) <= 1e-10 + 1e-9 * abs(ref), "BCE pos_weight=\(withPW): \(lD) vs \(ref)")
            expectClose(gD, doubles(c["grad"]), atol: 1e-10, rtol: 1e-9, "BCE pos_weight=\(withPW) grad")
            expectClose(gF, doubles(c["grad"]), atol: 1e-6, rtol: 1e-4, "BCE grad Float")
        }
    }

    @Test func mseMatchesPyTorch() throws {
        let l = try #require(try loadOptimFixture()["losses"] as? [String: Any])
        let m = try #require(l["mse"] as? [String: Any])
        let x = doubles(m["logits"])
        let (lD, gD, _, _) = runLoss(MSELoss(), logits: x, targets: .values(doubles(m["targets"])), B: x.count, K: 1)
        let ref = (m["loss"] as! NSNumber).doubleValue
        #expect(abs(lD - ref) <= 1e-10 + 1e-9 * abs(ref))
        expectClose(gD, doubles(m["grad"]), atol: 1e-10, rtol: 1e-9, "MSE grad")
    }

    /// Focal loss has no PyTorch core reference: its formula is documented in FocalLoss.swift,
    /// its gradient checked by finite differences, and γ = 0 must reduce to cross-entropy.
    @Test(arguments: [0.0, 0.5, 2.0])
    func focalLossMatchesFiniteDifferences(_ gamma: Double) {
        let B = 4, K = 3
        let z = randomArray(B * K, seed: 21, scale: 2)
        let y = [0, 2, 1, 2]
        let mc = FocalLoss(gamma: gamma, alpha: [0.5, 1, 2])
        let (_, g, _, _) = runLoss(mc, logits: z, targets: .classes(y), B: B, K: K)
        let num = numericGradient(z) { mc.compute(logits: $0, targets: .classes(y), B: B, K: K, dlogits: nil as UnsafeMutablePointer<Double>?, scale: 1) }
        expectClose(g, num, atol: 1e-8, rtol: 1e-6, "multi-class focal γ=\(gamma)")

        let t: [Double] = [1, 0, 0, 1, 1, 0, 0.3, 1, 0, 0, 1, 1]
        let bin = FocalLoss(gamma: gamma, binary: true, binaryAlpha: 0.25)
        let (_, gb, _, _) = runLoss(bin, logits: z, targets: .values(t), B: B, K: K)
        let numb = numericGradient(z) { bin.compute(logits: $0, targets: .values(t), B: B, K: K, dlogits: nil as UnsafeMutablePointer<Double>?, scale: 1) }
        expectClose(gb, numb, atol: 1e-8, rtol: 1e-6, "binary focal γ=\(gamma)")

        if gamma == 0 {
            let ce = CrossEntropyLoss(classWeights: [0.5, 1, 2])
            let noAlpha = FocalLoss(gamma: 0)
            let a = noAlpha.compute(logits: z, targets: .classes(y), B: B, K: K, dlogits: nil as UnsafeMutablePointer<Double>?, scale: 1)
            let b = CrossEntropyLoss().compute(logits: z, targets: .classes(y), B: B, K: K, dlogits: nil as UnsafeMutablePointer<Double>?, scale: 1)
            #expect(abs(a - b) < 1e-12)
            _ = ce
        }
    }

    @Test func crossEntropySmoothedWeightedMatchesFiniteDifferences() {
        let B = 3, K = 4
        let z = randomArray(B * K, seed: 22, scale: 2), y = [3, 0, 3]
        let loss = CrossEntropyLoss(classWeights: [1, 2, 0.5, 3], labelSmoothing: 0.2)
        let (_, g, _, _) = runLoss(loss, logits: z, targets: .classes(y), B: B, K: K)
        let num = numericGradient(z) { loss.compute(logits: $0, targets: .classes(y), B: B, K: K, dlogits: nil as UnsafeMutablePointer<Double>?, scale: 1) }
        expectClose(g, num, atol: 1e-8, rtol: 1e-6, "CE")
    }

    /// Gradient accumulation: two half batches each scaled by ½ give the full batch's gradient
    /// (mean losses without class weights), and the loss gradient ADDS.
    @Test func accumulationOverHalfBatchesEqualsFullBatch() {
        let B = 4, K = 3
        let z = randomArray(B * K, seed: 23), y = [0, 1, 2, 1]
        let loss = CrossEntropyLoss(labelSmoothing: 0.1)
        var full = [Double](repeating: 0, count: B * K), acc = full
        _ = loss.compute(logits: z, targets: .classes(y), B: B, K: K, dlogits: &full, scale: 1)
        acc.withUnsafeMutableBufferPointer { g in
            z.withUnsafeBufferPointer { zp in
                _ = loss.compute(logits: zp.baseAddress!, targets: .classes([0, 1]), B: 2, K: K, dlogits: g.baseAddress!, scale: 0.5)
                _ = loss.compute(logits: zp.baseAddress! + 2 * K, targets: .classes([2, 1]), B: 2, K: K, dlogits: g.baseAddress! + 2 * K, scale: 0.5)
            }
        }
        expectClose(acc, full, atol: 1e-14, rtol: 1e-12, "accumulated")
    }
}
