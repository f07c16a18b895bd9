import Foundation
import Testing
@testable import SiftCLI
import SiftEngine
import SiftTestSupport
import SiftInference

/// `sift embed` / `sift predict` end to end on the tiny random BERT fixtures (fast in debug).
@Suite struct EmbedPredictCommandTests {
    let dir: URL
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-embed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func lines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func embedWritesOneNormalizedVectorPerLineIncludingEmptyLines() async throws {
        let input = dir.appendingPathComponent("in.txt"), output = dir.appendingPathComponent("out.jsonl")
        // An empty line, a long line (truncated, not an error), and a repeated text.
        let long = Array(repeating: "the first of them", count: 200).joined(separator: " ")
        try Data("the first of them\n\n\(long)\nthe first of them\n".utf8).write(to: input)
        var cmd = try #require(try SiftCommand.parseAsRoot([
            "embed", TestPaths.fixture("tiny-bert/base").path, "-i", input.path, "-o", output.path, "--batch-size", "3"]) as? EmbedCommand)
        try await cmd.run()
        let rows = try lines(output)
        #expect(rows.count == 4)
        let vecs = try rows.map { try #require($0["embedding"] as? [Double]) }
        for v in vecs {
            #expect(v.count == 32)
            #expect(abs(v.map { $0 * $0 }.reduce(0, +) - 1) < 1e-5)
        }
        // The same text in different batches gives the same vector.
        #expect(zip(vecs[0], vecs[3]).allSatisfy { abs($0 - $1) < 1e-6 })
        // And matches the library call.
        let embedder = try SentenceEmbedder(directory: TestPaths.fixture("tiny-bert/base"))
        let input2 = try TextInput(directory: TestPaths.fixture("tiny-bert/base"), config: embedder.model.config)
        let lib = try embedder.embed(texts: ["the first of them"], input: input2, acts: embedder.model.makeActivations())[0]
        #expect(zip(vecs[0], lib).allSatisfy { abs($0 - Double($1)) < 1e-6 })
    }

    @Test func predictFollowsProblemTypeWithTopKAndThreshold() async throws {
        let input = dir.appendingPathComponent("in.jsonl")
        try Data(#"{"text":"the first of them"}\#n{"text":"it"}\#n"#.utf8).write(to: input)
        // Multi-label: sigmoid scores, "labels" at the threshold, top-k limits "scores".
        let out1 = dir.appendingPathComponent("m.jsonl")
        var cmd = try #require(try SiftCommand.parseAsRoot([
            "predict", TestPaths.fixture("tiny-bert/multi-label").path, "-i", input.path, "-o", out1.path,
            "--top-k", "2", "--threshold", "0.6", "--logits"]) as? PredictCommand)
        try await cmd.run()
        let m = try lines(out1)
        #expect(m.count == 2)
        let scores = try #require(m[0]["scores"] as? [String: Double])
        #expect(scores.count == 2)
        let logits = try #require(m[0]["logits"] as? [Double])
        #expect(logits.count == 4)
        let on = try #require(m[0]["labels"] as? [String])
        let names = ["sports", "tech", "politics", "arts"]
        let expectedOn = names.indices.filter { 1 / (1 + exp(-logits[$0])) >= 0.6 }.map { names[$0] }
        #expect(Set(on) == Set(expectedOn))
        // Single-label: softmax over all labels sums to 1; an impossible threshold nulls the label.
        let out2 = dir.appendingPathComponent("s.jsonl")
        cmd = try #require(try SiftCommand.parseAsRoot([
            "predict", TestPaths.fixture("tiny-bert/single-label").path, "-i", input.path, "-o", out2.path, "--threshold", "1.01"]) as? PredictCommand)
        try await cmd.run()
        let s = try lines(out2)
        let all = try #require(s[0]["scores"] as? [String: Double])
        #expect(Set(all.keys) == ["negative", "neutral", "positive"])
        #expect(abs(all.values.reduce(0, +) - 1) < 1e-5)
        #expect(s[0]["label"] is NSNull)
        // Regression: raw value.
        let out3 = dir.appendingPathComponent("r.jsonl")
        cmd = try #require(try SiftCommand.parseAsRoot([
            "predict", TestPaths.fixture("tiny-bert/regression").path, "-i", input.path, "-o", out3.path]) as? PredictCommand)
        try await cmd.run()
        let r = try lines(out3)
        #expect(r[0]["label"] as? String == "score")
        let fx = try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture("tiny-bert/regression/expected.json"))) as! [String: Any]
        let ref = (fx["logits"] as! [[Double]])[0][0]
        #expect(abs((r[0]["score"] as! Double) - ref) < 1e-4)
    }

    @Test func csvTextColumnAndBadArguments() async throws {
        let input = dir.appendingPathComponent("in.csv"), output = dir.appendingPathComponent("o.jsonl")
        try Data("id,body\n1,\"the first, of them\"\n2,it\n".utf8).write(to: input)
        var cmd = try #require(try SiftCommand.parseAsRoot([
            "embed", TestPaths.fixture("tiny-bert/base").path, "-i", input.path, "-o", output.path, "--text-column", "body"]) as? EmbedCommand)
        try await cmd.run()
        #expect(try lines(output).count == 2)
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["embed", "x", "--batch-size", "0"]) }
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["embed", "x", "--pooling", "median"]) }
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["predict", "x", "--top-k", "0"]) }
        // A model without a classifier head is a clear error naming the missing tensor.
        cmd = try #require(try SiftCommand.parseAsRoot(["embed", dir.path, "-i", input.path]) as? EmbedCommand)
        await #expect(throws: (any Error).self) { try await cmd.run() }
        var p = try #require(try SiftCommand.parseAsRoot(["predict", TestPaths.fixture("tiny-bert/base").path, "-i", input.path, "--text-column", "body"]) as? PredictCommand)
        do { try await p.run(); Issue.record("expected an error") } catch {
            #expect(error.localizedDescription.contains("classifier.weight"))
        }
        _ = p
        p = try #require(try SiftCommand.parseAsRoot(["predict", TestPaths.fixture("tiny-bert/single-label").path, "-i", input.path, "--text-column", "nope"]) as? PredictCommand)
        await #expect(throws: (any Error).self) { try await p.run() }
    }
}
