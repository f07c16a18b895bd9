import Foundation
import Testing
@testable import SiftCLI
import SiftData
import SiftInference
import SiftTestSupport

/// `sift ner` (with linking), `sift explain`, `sift redact --ner`, `sift train --task
/// token-classification` and `sift eval` on its folder, end to end on the tiny fixtures.
@Suite struct EntityCommandTests {
    let dir: URL
    init() throws { dir = scratchFolder("entity-cli") }

    func lines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    static let texts = ["Angela Merkel visited Paris with Emmanuel Macron.", "Zoë Müller works for Siemens AG in München.", ""]

    @Test func nerWritesThePipelinesEntitiesAndLinks() async throws {
        let input = dir.appendingPathComponent("in.txt"), output = dir.appendingPathComponent("out.jsonl")
        try Data((Self.texts.joined(separator: "\n") + "\n").utf8).write(to: input)
        let model = TestPaths.fixture("entities/tiny-ner")
        let dict = dir.appendingPathComponent("dict.tsv")
        try Data("id\ttype\tname\taliases\nQ1\tPER\tAngela Merkel\tMerkel\nQ2\tLOC\tParis\t\n".utf8).write(to: dict)
        let cmd = try #require(try SiftCommand.parseAsRoot(["ner", model.path, "-i", input.path, "-o", output.path,
                                                            "--aggregation", "simple", "--link", dict.path, "--batch-size", "2"]) as? NERCommand)
        try await cmd.run()
        let rows = try lines(output)
        #expect(rows.count == 3)
        let want = try OfflineRunner(bundle: ModelBundle(directory: model)).entities(Self.texts, options: EntityOptions(aggregation: .simple, stride: 32))
        let linker = EntityLinker(dictionary: try EntityDictionary(url: dict))
        for (k, (row, w)) in zip(rows, want).enumerated() {
            let got = try #require(row["entities"] as? [[String: Any]])
            #expect(got.count == w.count)
            for (g, e) in zip(got, w) {
                #expect(g["entity_group"] as? String == e.label && g["start"] as? Int == e.start && g["end"] as? Int == e.end)
                #expect(abs((g["score"] as? Double ?? 0) - Double(e.score)) < 1e-6)
                #expect(g.keys.contains("link"))
                // Linked by the text's own spelling of the mention, within the entity's type.
                let mention = NERCommand.mention(e, Array(Self.texts[k].unicodeScalars))
                let link = linker.link(mention: mention, type: e.label)
                #expect((g["link"] as? [String: Any])?["id"] as? String == link?.id)
            }
        }
        #expect((rows[2]["entities"] as? [Any])?.isEmpty == true, "an empty line has no entities")
        // A sequence classifier is refused, naming what it is.
        let bad = try #require(try SiftCommand.parseAsRoot(["ner", TestPaths.fixture("entities/tiny-cls").path, "-i", input.path,
                                                            "-o", dir.appendingPathComponent("bad.jsonl").path]) as? NERCommand)
        await #expect { try await bad.run() } throws: { "\($0.localizedDescription)".contains("sequence classifier") }
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["ner", model.path, "--aggregation", "mean"]) }
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["ner", model.path, "--stride", "-1"]) }
    }

    @Test func explainWritesWordsAndAPage() async throws {
        let input = dir.appendingPathComponent("x.txt"), output = dir.appendingPathComponent("x.jsonl"), page = dir.appendingPathComponent("x.html")
        try Data("great value <b>cheap</b>\nslow delivery\n".utf8).write(to: input)
        let model = TestPaths.fixture("entities/tiny-cls")
        for method in ["integrated-gradients", "occlusion"] {
            let cmd = try #require(try SiftCommand.parseAsRoot(["explain", model.path, "-i", input.path, "-o", output.path,
                                                                "--method", method, "--html", page.path, "--steps", "8"]) as? ExplainCommand)
            try await cmd.run()
            let rows = try lines(output)
            #expect(rows.count == 2)
            let words = try #require(rows[0]["words"] as? [[String: Any]])
            #expect(words.map { $0["word"] as? String } == ["great", "value", "<", "b", ">", "cheap", "<", "/", "b", ">"])
            #expect((rows[0]["convergence_delta"] != nil) == (method == "integrated-gradients"))
            let html = try String(contentsOf: page, encoding: .utf8)
            #expect(html.contains("&lt;") && !html.contains("<b>cheap"), "the text is escaped")
        }
        let bad = try #require(try SiftCommand.parseAsRoot(["explain", model.path, "-i", input.path, "--label", "nope"]) as? ExplainCommand)
        await #expect { try await bad.run() } throws: { "\($0.localizedDescription)".contains("negative, neutral, positive") }
    }

    @Test func redactMasksModelEntitiesBesidePatterns() throws {
        let input = dir.appendingPathComponent("r.txt"), output = dir.appendingPathComponent("r.out")
        try Data("Angela Merkel paid with 4111 1111 1111 1111 in Paris.\n".utf8).write(to: input)
        let model = TestPaths.fixture("entities/tiny-ner")
        let bundle = try ModelBundle(directory: model)
        let entities = try OfflineRunner(bundle: bundle).entities(["Angela Merkel paid with 4111 1111 1111 1111 in Paris."],
                                                                  options: EntityOptions(aggregation: .first, stride: 32))[0]
        let report = try RedactionRun.run(input: input, output: output, config: RedactionConfig(), encoding: nil, lossy: false) { texts in
            texts.map { t in entities.compactMap { PIIMatch(kind: $0.label, codePoints: $0.start..<$0.end, in: t) } }
        }
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(text.contains("[CARD]"), "the card is masked by its detector even where a model span overlaps it")
        #expect(!text.contains("4111"))
        #expect(report.counts["CARD"] == 1)
        for e in entities where !(24..<43).overlaps(e.start..<e.end) { #expect(report.counts[e.label, default: 0] >= 1) }
        // A code-point span maps to UTF-8 bytes.
        #expect(PIIMatch(kind: "PER", codePoints: 0..<3, in: "Zoë x")?.utf8Range == 0..<4)
        #expect(PIIMatch(kind: "PER", codePoints: 0..<30, in: "short") == nil)
    }

    @Test func tokenTrainingWritesAFolderThatNerAndEvalRead() async throws {
        // Tagged words in CoNLL; the base is the tiny NER model (its tokenizer has real pieces).
        var conll = ""
        let sentences: [[(String, String)]] = [
            [("Angela", "B-PER"), ("Merkel", "I-PER"), ("visited", "O"), ("Paris", "B-LOC"), (".", "O")],
            [("Siemens", "B-ORG"), ("opened", "O"), ("in", "O"), ("Berlin", "B-LOC"), (".", "O")],
            [("Zoë", "B-PER"), ("Müller", "I-PER"), ("works", "O"), ("for", "O"), ("Airbus", "B-ORG")],
        ]
        for _ in 0..<4 { for s in sentences { conll += s.map { "\($0.0)\t\($0.1)\n" }.joined() + "\n" } }
        let train = dir.appendingPathComponent("train.conll"), val = dir.appendingPathComponent("val.conll")
        try Data(conll.utf8).write(to: train)
        try Data((sentences.map { $0.map { "\($0.0)\t\($0.1)\n" }.joined() }.joined(separator: "\n")).utf8).write(to: val)
        let out = dir.appendingPathComponent("ner-model")
        let cmd = try #require(try SiftCommand.parseAsRoot([
            "train", "--task", "token-classification", "--base", TestPaths.fixture("entities/tiny-ner").path, "--train", train.path,
            "--validation", val.path, "--test", val.path, "--out", out.path, "--epochs", "2", "--batch-size", "4", "--class-weights", "balanced", "--quiet"]) as? TrainCommand)
        try await cmd.run()
        let bundle = try ModelBundle(directory: out)
        #expect(bundle.task == .tokenClassification)
        #expect(bundle.tokenClassifier?.labels == ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"])
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("test_metrics.json"))) as? [String: Any])
        #expect((metrics["entities"] as? [String: Any])?["sentences"] as? Int == 3)
        // eval reads the folder and writes the report.
        let report = dir.appendingPathComponent("report"), json = dir.appendingPathComponent("m.json")
        let ev = try #require(try SiftCommand.parseAsRoot(["eval", out.path, "--data", val.path, "--report", report.path, "--json", json.path]) as? EvalCommand)
        try await ev.run()
        #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("index.html").path))
        #expect(try String(contentsOf: json, encoding: .utf8).contains("\"micro\""))
        // Bad data is refused with file and line: an I- tag after O under IOB2.
        let bad = dir.appendingPathComponent("bad.conll")
        try Data("Paris\tO\nFrance\tI-LOC\n".utf8).write(to: bad)
        let badCmd = try #require(try SiftCommand.parseAsRoot([
            "train", "--task", "token-classification", "--base", TestPaths.fixture("entities/tiny-ner").path, "--train", bad.path,
            "--out", dir.appendingPathComponent("never").path, "--quiet"]) as? TrainCommand)
        await #expect { try await badCmd.run() } throws: { "\($0.localizedDescription)".contains("bad.conll") && "\($0.localizedDescription)".contains("2") }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("never/config.json").path))
        #expect(throws: (any Error).self) {
            try SiftCommand.parseAsRoot(["train", "--task", "token-classification", "--method", "setfit", "--base", "b", "--train", "t", "--out", "o"])
        }
        #expect(throws: (any Error).self) { try SiftCommand.parseAsRoot(["train", "--label-all-tokens", "--base", "b", "--train", "t", "--out", "o"]) }
    }
}
