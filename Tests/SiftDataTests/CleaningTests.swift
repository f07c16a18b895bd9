import Foundation
import Testing
@testable import SiftData

@Suite struct CleaningTests {
    static let base = """
    The central bank raised interest rates by a quarter of a percentage point on Thursday, \
    citing persistent inflation in services and a tight labour market, and signalled that \
    further increases could follow if price pressures fail to ease over the coming months.
    """

    @Test func whitespaceNormalization() {
        #expect(TextNormalization.collapseWhitespace("  a\t\tb \n\u{00A0}c\u{3000}d\u{200B} ") == "a b c d")
        #expect(TextNormalization.collapseWhitespace(" \n\t ") == "")
        #expect(TextNormalization.collapseWhitespace("a\tb") == "a b")
        #expect(TextNormalization.collapseWhitespace("a b") == "a b")
        #expect(TextNormalization.collapseWhitespace("中文\u{2003}\u{2003}text\u{FEFF}") == "中文 text")
        #expect(TextNormalization.isBlank(" \u{3000}\u{00A0}\n") && !TextNormalization.isBlank(" x "))
        #expect(TextNormalization.duplicateHash("a  b ") == TextNormalization.fnv1a("a b"))
        #expect(TextNormalization.codePointCount("中文ab") == 4)
    }

    @Test func nearDuplicatesFoundAndDistinctTextsKept() {
        let near = Self.base.replacingOccurrences(of: "Thursday", with: "Wednesday")
        let other = "Shares in the carmaker fell sharply after it warned that chip shortages would cut production this year."
        let d = NearDuplicateDetector(threshold: 0.8)
        let sim = NearDuplicateDetector.estimatedJaccard(d.signature(Self.base), d.signature(near))
        #expect(sim > 0.8 && sim < 1)
        #expect(NearDuplicateDetector.estimatedJaccard(d.signature(Self.base), d.signature(other)) < 0.2)
        #expect(d.duplicatesOfEarlier([Self.base, other, near, "short"]) == [nil, nil, 0, nil])
        // Chinese: character shingles need no word boundaries.
        let zh = "这家酒店的服务非常好，房间干净整洁，早餐种类丰富，下次还会再来入住。"
        #expect(d.duplicatesOfEarlier([zh, zh + "！", "质量太差了，用了两天就坏了，非常失望。"]) == [nil, 0, nil])
    }

    @Test func cleanerReportsEachStep() {
        let recs = [
            Record(line: 2, text: "Hello   world", label: "a"),
            Record(line: 3, text: "   ", label: "a"),
            Record(line: 4, text: "Hello world", label: "b"),      // exact duplicate after normalization, other label
            Record(line: 5, text: Self.base, label: "a"),
            Record(line: 6, text: Self.base.replacingOccurrences(of: "Thursday", with: "Friday"), label: "a"),
            Record(line: 7, text: "Different text entirely.", label: "b"),
        ]
        let r = DataCleaner().clean(recs)
        #expect(r.kept == [0, 3, 5])
        #expect(r.texts[0] == "Hello world")
        let byStep = Dictionary(uniqueKeysWithValues: r.steps.map { ($0.step, $0) })
        #expect(byStep["normalize whitespace"]?.affected == 2)
        #expect(byStep["drop empty texts"]?.affected == 1)
        #expect(byStep["drop exact duplicates"]?.affected == 1)
        #expect(byStep["drop exact duplicates"]?.examples == ["line 4 = line 2"])
        #expect(byStep["drop exact duplicates"]?.note?.contains("1 of them had a different label") == true)
        #expect(byStep["drop near duplicates"]?.affected == 1)
        #expect(byStep["drop near duplicates"]?.examples == ["line 6 ≈ line 5"])
    }

    @Test func inspectionCountsDuplicatesBalanceAndTokens() throws {
        let url = try tempFile("i.csv", "text,label\nhello world,pos\nhello  world,neg\n,pos\nzzz qqq,pos\n")
        let reader = try RecordReader(url: url, labelColumn: "label")
        // A toy counter: words are tokens, words with 'q' are unknown.
        let r = try DatasetInspector.inspect(reader: reader, tokenCounter: { t in
            let w = t.split(separator: " ")
            return (w.count, w.filter { $0.contains("q") }.count)
        }, maxLength: 3)
        #expect(r.rows == 4 && r.emptyTexts == 1)
        #expect(r.duplicateRows == 1 && r.conflictingDuplicates == 1)
        #expect(r.labelCounts == ["pos": 3, "neg": 1])
        #expect(r.characters?.max == 12 && r.characters?.min == 0)
        #expect(r.tokens?.totalTokens == 6 && r.tokens?.unknownTokens == 1)
        #expect(r.tokens?.longerThanMax == 3)   // 2 words + [CLS]/[SEP] > 3
    }

    @Test func writerRoundTripsCSVAndJSONL() throws {
        let csv = try tempFile("in.csv", "id,text,label\n1,\"a, \"\"quoted\"\"\nline\",x\n2,plain,y\n")
        let reader = try RecordReader(url: csv, labelColumn: "label")
        let recs = try reader.readAll()
        let out = csv.deletingLastPathComponent().appendingPathComponent("out.csv")
        let w = try RecordWriter(url: out, format: .csv, header: reader.header, textColumn: "text")
        for r in recs { try w.write(r) }
        try w.write(recs[1], text: "changed")
        try w.commit()
        let back = try RecordReader(url: out, labelColumn: "label").readAll()
        #expect(back.map(\.text) == ["a, \"quoted\"\nline", "plain", "changed"])
        #expect(back.map { $0.fields["id"] } == ["1", "2", "2"])
        // JSONL keeps other keys and their types.
        let jl = try tempFile("in.jsonl", "{\"text\": \"a  b\", \"label\": [\"x\", \"y\"], \"score\": 0.5}\n")
        let jr = try RecordReader(url: jl, labelColumn: "label")
        let jrec = try jr.readAll()
        let jout = jl.deletingLastPathComponent().appendingPathComponent("out.jsonl")
        let jw = try RecordWriter(url: jout, format: .jsonl, header: nil, textColumn: "text")
        try jw.write(jrec[0], text: "a b")
        try jw.commit()
        #expect(try String(contentsOf: jout, encoding: .utf8) == "{\"label\":[\"x\",\"y\"],\"score\":0.5,\"text\":\"a b\"}\n")
    }
}
