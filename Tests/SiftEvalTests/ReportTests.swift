import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import SiftData
@testable import SiftEval

@Suite struct ReportTests {
    /// A small, deterministic single-label prediction set with awkward texts.
    static func singleLabelSet() -> PredictionSet {
        let labels = ["business", "sport", "tech & <science>"]
        var rng = UInt64(12345)
        func rand() -> Double { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return Double(rng >> 11) / Double(1 << 53) }
        var ex: [PredictedExample] = []
        for i in 0..<60 {
            let gold = i % 3
            var s = (0..<3).map { _ in rand() }
            s[gold] += rand() < 0.8 ? 1.2 : 0
            let total = s.reduce(0, +)
            let text = i == 5 ? "<script>alert('x')</script> 中文 & \"quotes\"" : "example \(i) about \(labels[gold])"
            ex.append(PredictedExample(line: i + 2, text: text, gold: [gold], scores: s.map { $0 / total }))
        }
        return PredictionSet(labels: labels, multiLabel: false, examples: ex)
    }

    static func svgs(in html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let a = rest.range(of: "<svg"), let b = rest.range(of: "</svg>", range: a.upperBound..<rest.endIndex) {
            out.append(String(rest[a.lowerBound..<b.upperBound]))
            rest = rest[b.upperBound...]
        }
        return out
    }

    @Test func singleLabelReportIsSelfContainedAndEscaped() throws {
        let set = Self.singleLabelSet()
        let log = TrainingCurves(series: ["loss": [(1, 1.2), (2, 0.8), (3, 0.5)], "eval_accuracy": [(2, 0.7), (3, 0.8)]])
        let html = HTMLReport(title: "BBC eval", predictions: set, trainingLog: log, facts: [("model", "m")]).render()
        // No scripts and no external resources.
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") })
        #expect(!html.contains("https://"))
        // The hostile text is escaped, and the label with & and <> too.
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 中文 &amp; &quot;quotes&quot;") || !html.contains("alert"))
        #expect(html.contains("tech &amp; &lt;science&gt;"))
        // Figures: confusion heatmap, ROC, PR, histogram, reliability, loss, metrics.
        let figs = Self.svgs(in: html)
        #expect(figs.count == 7)
        for svg in figs {
            // Each figure is well-formed XML (what a browser's SVG parser demands inline too).
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "SVG does not parse: \(parser.parserError.map { "\($0)" } ?? "") \(svg.prefix(200))")
        }
        // Numbers shown are the metrics' numbers.
        let e = set.singleLabel()
        #expect(html.contains(String(format: "%.3f", e.accuracy)))
        #expect(html.contains(String(format: "%.3f", e.macro.f1)))
        // The confusion matrix cells carry the counts.
        #expect(html.contains("predicted sport: \(e.confusion[1][1])"))
    }

    @Test func entityReportSection() throws {
        let e = try EntityReport.compute(yTrue: [["B-PER", "I-PER", "O", "B-<LOC>"]], yPred: [["B-PER", "I-PER", "O", "O"]])
        let only = HTMLReport(title: "NER eval", entities: e, facts: [("model", "m")]).render()
        #expect(only.contains("<h2>Entities (lenient)</h2>"))
        #expect(only.contains("&lt;LOC&gt;") && !only.contains("<LOC>"))
        // One row per type, then the averages (micro: P 1, R 1/2, F1 2/3 over 2 true entities).
        #expect(only.contains("<td class=\"l\">PER</td><td>1.000</td><td>1.000</td><td>1.000</td><td>1</td><td>1</td><td>1</td>"))
        #expect(only.contains("<td class=\"l\">&lt;LOC&gt;</td><td>0.000</td><td>0.000</td><td>0.000</td><td>1</td><td>0</td><td>0</td>"))
        #expect(only.contains("micro avg</th><td>1.000</td><td>0.500</td><td>0.667</td><td>2</td>"))
        #expect(only.contains("macro avg</th><td>\(String(format: "%.3f", e.macro.precision))</td>"))
        #expect(only.contains("weighted avg</th>"))
        // Entity-only: no classification sections, figures or scripts.
        #expect(!only.contains("Per class") && Self.svgs(in: only).isEmpty && !only.contains("<script"))
        // Next to classification predictions both appear, and the old initializer is unchanged.
        let both = HTMLReport(title: "x", predictions: Self.singleLabelSet(), entities: e).render()
        #expect(both.contains("Entities (lenient)") && both.contains("Per class"))
        #expect(!HTMLReport(title: "x", predictions: Self.singleLabelSet()).render().contains("Entities ("))
        let none = try EntityReport.compute(yTrue: [["O"]], yPred: [["O"]], mode: .strict(.iob2))
        #expect(HTMLReport.entitySection(none).contains("Entities (strict-iob2)") && HTMLReport.entitySection(none).contains("no entities"))
    }

    @Test func multiLabelReportAndPredictionsRoundTrip() throws {
        var ex: [PredictedExample] = []
        for i in 0..<20 {
            let gold = [0, 1, 2].filter { (i >> $0) & 1 == 1 }
            ex.append(PredictedExample(line: i + 1, text: "t\(i)", gold: gold,
                                       scores: (0..<3).map { gold.contains($0) ? 0.55 + Double(i % 4) * 0.1 : 0.6 - Double(i % 5) * 0.12 }))
        }
        let set = PredictionSet(labels: ["a", "b", "c"], multiLabel: true, examples: ex)
        let html = HTMLReport(title: "multi", predictions: set).render()
        #expect(html.contains("subset accuracy"))
        #expect(Self.svgs(in: html).count == 3)
        // Predictions JSONL round trip (scores are written with full precision).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-pred-\(UUID().uuidString)")
        let url = dir.appendingPathComponent("p.jsonl")
        try set.writeJSONL(to: url)
        let back = try PredictionSet.readJSONL(url: url)
        #expect(back == set)
        let single = Self.singleLabelSet()
        try single.writeJSONL(to: url)
        #expect(try PredictionSet.readJSONL(url: url) == single)
    }

    @Test func trainingLogReader() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("log.jsonl")
        try "{\"step\": 10, \"loss\": 1.5, \"lr\": 5e-5, \"epoch\": 0.1}\n{\"step\": 20, \"loss\": 1.0, \"eval_f1\": 0.7, \"note\": \"x\"}\n".write(to: url, atomically: true, encoding: .utf8)
        let log = try TrainingCurves.read(url: url)
        #expect(log.series.keys.sorted() == ["eval_f1", "loss", "lr"])
        #expect(log.series["loss"]!.map(\.x) == [10, 20])
        // The trainer's own lines: step entries and eval entries naming their metric.
        try ("{\"type\": \"step\", \"epoch\": 1, \"step\": 5, \"loss\": 1.2, \"lr\": 5e-5, \"grad_norm\": 3.5}\n"
             + "{\"type\": \"eval\", \"epoch\": 1, \"step\": 10, \"train_loss\": 1.0, \"eval_loss\": 0.9, \"metric\": \"macro_f1\", \"value\": 0.8}\n")
            .write(to: url, atomically: true, encoding: .utf8)
        let trainer = try TrainingCurves.read(url: url)
        #expect(trainer.series.keys.sorted() == ["eval_loss", "eval_macro_f1", "grad_norm", "loss", "lr", "train_loss"])
        #expect(trainer.series["eval_macro_f1"]!.map(\.y) == [0.8])
        let html = HTMLReport(title: "t", predictions: Self.singleLabelSet(), trainingLog: trainer).render()
        #expect(html.contains("Gradient norm") && html.contains("eval_macro_f1"))
        try "{\"step\": 1}\nnot json\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { _ = try TrainingCurves.read(url: url) }
    }

    /// Renders the report in a real headless browser and checks the screenshot is not blank.
    /// Needs Debian's `chromium` package (CI: `apt-get install -y chromium`); skipped without it.
    @Test func rendersInHeadlessChromium() throws {
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        guard let browser = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("skipping rendersInHeadlessChromium: no chromium found (install Debian's `chromium` package)")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sift-report-\(UUID().uuidString)")
        let page = try HTMLReport(title: "BBC eval", predictions: Self.singleLabelSet()).write(to: dir)
        let blankPage = dir.appendingPathComponent("blank.html")
        try "<!DOCTYPE html><html><body style=\"background:#fff\"></body></html>".write(to: blankPage, atomically: true, encoding: .utf8)

        func screenshot(_ url: URL, _ name: String) throws -> Data {
            let png = dir.appendingPathComponent(name)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: browser)
            p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                           "--user-data-dir=\(dir.appendingPathComponent("profile-\(name)").path)",
                           "--window-size=1200,1800", "--screenshot=\(png.path)", url.absoluteString]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            return try Data(contentsOf: png)
        }
        let shot = try screenshot(page, "report.png")
        let blank = try screenshot(blankPage, "blank.png")
        // A PNG of the requested size...
        #expect(shot.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        func be32(_ d: Data, _ at: Int) -> Int { d[d.startIndex + at..<d.startIndex + at + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(be32(shot, 16) == 1200 && be32(shot, 20) == 1800)
        // ...with real content: a blank page compresses to almost nothing; charts, tables and
        // text do not. (Measured here: blank ≈ 10 KB, the report ≈ 300 KB.)
        print("headless chromium screenshot: report \(shot.count) bytes, blank page \(blank.count) bytes")
        #expect(shot.count > 10 * blank.count, "screenshot looks blank: \(shot.count) bytes vs blank \(blank.count)")
        try? FileManager.default.copyItem(at: dir.appendingPathComponent("report.png"), to: URL(fileURLWithPath: "/tmp/sift-report-screenshot.png"))
    }
}
