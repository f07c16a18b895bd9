import Foundation
import Testing
@testable import SiftData

@Suite struct TaggedDataTests {
    func read(_ name: String, _ content: [UInt8], _ options: TaggedReadOptions = TaggedReadOptions()) throws -> [TaggedExample] {
        try TaggedDataReader(url: try tempFile(name, content), options: options).readAll()
    }

    func read(_ name: String, _ content: String, _ options: TaggedReadOptions = TaggedReadOptions()) throws -> [TaggedExample] {
        try read(name, Array(content.utf8), options)
    }

    /// The error reading `content` as `name` throws, and the path it was written to.
    func readError(_ name: String, _ content: String, _ options: TaggedReadOptions = TaggedReadOptions()) throws -> (DataError?, String) {
        let url = try tempFile(name, content)
        do { _ = try TaggedDataReader(url: url, options: options).readAll(); return (nil, url.path) } catch let e as DataError { return (e, url.path) }
    }

    static func sentences(_ examples: [TaggedExample]) -> [TaggedSentence] {
        examples.compactMap { if case .words(let s) = $0 { s } else { nil } }
    }

    // MARK: CoNLL

    @Test func conllTabSeparatedWithDocstartAndLineNumbers() throws {
        let text = "-DOCSTART-\tO\n\nAngela\tB-PER\nMerkel\tI-PER\nvisited\tO\nParis\tB-LOC\n\n\n.\tO\nNew York\tB-LOC\n"
        let s = Self.sentences(try read("a.conll", text))
        #expect(s.map(\.words) == [["Angela", "Merkel", "visited", "Paris"], [".", "New York"]])
        #expect(s.map(\.tags) == [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-LOC"]])
        #expect(s.map(\.line) == [3, 9])
        #expect(s[0].wordLines == [3, 4, 5, 6] && s[1].wordLines == [9, 10])
    }

    @Test func conll2003FourColumnsSpacesCRLFAndBOM() throws {
        // CoNLL-2003: token POS chunk tag, space-separated; the tag is the last column.
        let text = "-DOCSTART- -X- -X- O\r\n\r\nEU NNP B-NP B-ORG\r\nrejects VBZ B-VP O\r\nGerman  JJ B-NP   B-MISC\r\n \r\nPeter NNP B-NP B-PER\r\n"
        let s = Self.sentences(try read("eng.train", [0xEF, 0xBB, 0xBF] + Array(text.utf8), TaggedReadOptions(format: .conll)))
        #expect(s.map(\.words) == [["EU", "rejects", "German"], ["Peter"]])
        #expect(s.map(\.tags) == [["B-ORG", "O", "B-MISC"], ["B-PER"]])
        #expect(s.map(\.line) == [3, 7])
        // Without a trailing newline, the last sentence still ends.
        #expect(Self.sentences(try read("b.txt", "a O\nb B-X")).map(\.tags) == [["O", "B-X"]])
    }

    @Test func conllErrorsNameFileAndLine() throws {
        // A line with other columns than the first data line.
        var (e, path) = try readError("c.conll", "a\tO\nb\tB-PER\n\nc\tPOS\tO\n")
        #expect(e == .inconsistentColumns(SourceLocation(file: path, line: 4), fields: 3, expected: 2, firstLine: 1))
        #expect(e?.errorDescription == "\(path):4: line has 3 columns but the first data line (line 1) has 2")
        // Whitespace-separated: the same rule (the first data line after -DOCSTART- sets it).
        (e, path) = try readError("d.txt", "-DOCSTART- -X- O\n\nEU NNP B-ORG\nrejects O\n")
        #expect(e == .inconsistentColumns(SourceLocation(file: path, line: 4), fields: 2, expected: 3, firstLine: 3))
        // One column only.
        (e, path) = try readError("e.conll", "\nlonely\n")
        #expect(e == .columnCount(SourceLocation(file: path, line: 2), fields: 1, allowed: 2...Int.max))
        #expect(e?.errorDescription == "\(path):2: line has 1 column; expected at least 2")
        // An empty tag field in a tab-separated file.
        (e, path) = try readError("f.conll", "a\tO\nb\t \n")
        #expect(e == .emptyField(SourceLocation(file: path, line: 2, column: 2)))
        // Not UTF-8: the line and character.
        let url = try tempFile("g.conll", Array("ok\tO\n".utf8) + [0x63, 0x61, 0x66, 0xE9, 0x09, 0x4F, 0x0A])
        #expect(throws: DataError.invalidEncoding(SourceLocation(file: url.path, line: 2, column: 4), encoding: "UTF-8",
                                                   suggestion: "Pass --encoding latin-1 if that is the file's encoding (or --lossy to replace bad bytes with U+FFFD).")) {
            _ = try TaggedDataReader(url: url).readAll()
        }
        #expect(Self.sentences(try TaggedDataReader(url: url, options: TaggedReadOptions(encoding: .latin1)).readAll())[0].words == ["ok", "café"])
        // An extension that says nothing.
        #expect(throws: DataError.self) { _ = try TaggedDataReader(url: try tempFile("x.parquet", "a O\n")) }
    }

    // MARK: Tag validation

    @Test func tagValidationNamesTheOffendingTokensLine() throws {
        // IOB2 (the default): I-PER after O, on line 3, column 2 (the tag column).
        var (e, path) = try readError("v.conll", "a\tB-PER\nb\tO\nc\tI-PER\n")
        #expect(e == .invalidTagTransition(SourceLocation(file: path, line: 3, column: 2), tag: "I-PER", neighbour: .previous("O"),
                                           allowed: ["B-PER", "I-PER"], scheme: .iob2))
        #expect(e?.errorDescription == "\(path):3, column 2: 'I-PER' follows 'O'; in IOB2 it must follow B-PER or I-PER")
        // I-X after B-Y, and a leading I-.
        (e, path) = try readError("w.conll", "x\tO\n\na\tB-LOC\nb\tI-PER\n")
        #expect(e == .invalidTagTransition(SourceLocation(file: path, line: 4, column: 2), tag: "I-PER", neighbour: .previous("B-LOC"),
                                           allowed: ["B-PER", "I-PER"], scheme: .iob2))
        (e, path) = try readError("l.conll", "a\tI-ORG\n")
        #expect(e == .invalidTagTransition(SourceLocation(file: path, line: 1, column: 2), tag: "I-ORG", neighbour: .previous(nil),
                                           allowed: ["B-ORG", "I-ORG"], scheme: .iob2))
        #expect(e?.errorDescription?.contains("'I-ORG' starts the sentence") == true)
        // Malformed tags and prefixes of another scheme.
        (e, path) = try readError("m.conll", "a\tO\nb\tPER\n")
        #expect(e == .malformedTag(SourceLocation(file: path, line: 2, column: 2), tag: "PER", scheme: .iob2))
        #expect(e?.errorDescription == "\(path):2, column 2: 'PER' is not a tag of the IOB2 scheme; use O, B-TYPE, I-TYPE")
        (e, path) = try readError("s.conll", "a\tS-PER\n")
        #expect(e == .malformedTag(SourceLocation(file: path, line: 1, column: 2), tag: "S-PER", scheme: .iob2))
        // Unknown tags against a label list.
        let labels = TagLabels.build(types: ["PER"])
        (e, path) = try readError("u.conll", "a\tB-PER\nb\tB-LOC\n", TaggedReadOptions(validator: TagValidator(labels: labels)))
        #expect(e == .unknownTag(SourceLocation(file: path, line: 2, column: 2), tag: "B-LOC", known: ["O", "B-PER", "I-PER"]))
        // No validator: tags are read as written.
        #expect(Self.sentences(try read("n.conll", "a\tI-ORG\nb\tPER\n", TaggedReadOptions(validator: nil)))[0].tags == ["I-ORG", "PER"])
    }

    @Test func iobesAndOtherSchemes() throws {
        let iobes = TagValidator(scheme: .iobes)
        try iobes.validate(tags: ["B-PER", "I-PER", "E-PER", "O", "S-LOC"], file: "f", lines: [1, 2, 3, 4, 5])
        // B-PER not closed: the error is on B-PER's line, naming what follows.
        #expect(throws: DataError.invalidTagTransition(SourceLocation(file: "f", line: 2), tag: "B-PER", neighbour: .next("O"),
                                                       allowed: ["I-PER", "E-PER"], scheme: .iobes)) {
            try iobes.validate(tags: ["O", "B-PER", "O"], file: "f", lines: [1, 2, 3])
        }
        #expect(throws: DataError.invalidTagTransition(SourceLocation(file: "f", line: 7), tag: "I-PER", neighbour: .next(nil),
                                                       allowed: ["I-PER", "E-PER"], scheme: .iobes)) {
            try iobes.validate(tags: ["B-PER", "I-PER"], file: "f", lines: [6, 7])
        }
        #expect(throws: DataError.self) { try iobes.validate(tags: ["O", "E-PER"], file: "f", lines: [1, 2]) }
        // IOB1: B only between two entities of one type; IOE2: every entity ends with E.
        try TagValidator(scheme: .iob1).validate(tags: ["I-PER", "B-PER", "O", "I-LOC"], file: "f", lines: [1, 2, 3, 4])
        #expect(throws: DataError.self) { try TagValidator(scheme: .iob1).validate(tags: ["O", "B-PER"], file: "f", lines: [1, 2]) }
        try TagValidator(scheme: .ioe2).validate(tags: ["I-PER", "E-PER", "E-LOC"], file: "f", lines: [1, 2, 3])
        #expect(throws: DataError.self) { try TagValidator(scheme: .ioe2).validate(tags: ["I-PER", "O"], file: "f", lines: [1, 2]) }
        try TagValidator(scheme: .bilou).validate(tags: ["B-PER", "L-PER", "U-LOC"], file: "f", lines: [1, 2, 3])
        #expect(throws: DataError.self) { try TagValidator(scheme: .bilou).validate(tags: ["B-PER", "E-PER"], file: "f", lines: [1, 2]) }
        // Types may contain hyphens; a bare prefix has no type.
        #expect(EntityTag("B-PER-DERIV") == EntityTag(prefix: .begin, type: "PER-DERIV"))
        #expect(EntityTag("B-") == nil && EntityTag("B") == nil && EntityTag("") == nil && EntityTag("O") == .outside)
        #expect(EntityTag("I-LOC")?.description == "I-LOC")
    }

    @Test func labelListOrder() throws {
        #expect(TagLabels.build(types: ["PER", "LOC", "ORG", "LOC"]) == ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"])
        // Code-point order: uppercase before lowercase, then non-ASCII.
        #expect(TagLabels.build(types: ["per", "Zone", "Ärger"], scheme: .iobes)
                == ["O", "B-Zone", "I-Zone", "E-Zone", "S-Zone", "B-per", "I-per", "E-per", "S-per", "B-Ärger", "I-Ärger", "E-Ärger", "S-Ärger"])
        var c = TagLabels.Collector()
        for e in try read("mix.jsonl", "{\"tokens\":[\"a\",\"b\"],\"tags\":[\"B-PER\",\"O\"]}\n{\"text\":\"at Acme\",\"entities\":[{\"start\":3,\"end\":7,\"label\":\"ORG\"}]}\n") {
            c.add(e)
        }
        #expect(c.labels() == ["O", "B-ORG", "I-ORG", "B-PER", "I-PER"])
    }

    // MARK: JSONL

    @Test func jsonlBothFormsJoinedTextAndSpans() throws {
        let text = """
        {"tokens": ["Zoë", "Müller", "visited", "北京", "."], "tags": ["B-PER", "I-PER", "O", "B-LOC", "O"]}

        {"text": "Zoë Müller visited 北京.", "entities": [{"start": 19, "end": 21, "label": "LOC"}, {"start": 0, "end": 10, "label": "PER"}]}\r

        """
        let ex = try read("t.jsonl", text)
        #expect(ex.map(\.line) == [1, 3])
        guard case .words(let s) = ex[0], case .spans(let t) = ex[1] else { Issue.record("wrong forms \(ex)"); return }
        let j = s.joined
        #expect(j.text == "Zoë Müller visited 北京 .")
        #expect(j.wordRanges == [0..<3, 4..<10, 11..<18, 19..<21, 22..<23])
        #expect(s.spans == [EntitySpan(start: 0, end: 10, label: "PER"), EntitySpan(start: 19, end: 21, label: "LOC")])
        // Spans come back sorted by start, offsets in code points.
        #expect(t.spans == [EntitySpan(start: 0, end: 10, label: "PER"), EntitySpan(start: 19, end: 21, label: "LOC")])
        #expect(t.mentions == ["Zoë Müller", "北京"])
        #expect(ex[0].annotatedText.text == j.text && ex[1].annotatedText == t)
        // Configurable field names.
        let custom = try read("c.jsonl", "{\"words\": [\"a\"], \"labels\": [\"O\"]}\n", TaggedReadOptions(tokensField: "words", tagsField: "labels"))
        #expect(Self.sentences(custom).map(\.tags) == [["O"]])
    }

    @Test func jsonlErrorsNameLineAndSpan() throws {
        func loc(_ path: String, _ line: Int, _ field: String) -> SiftData.SourceLocation { SourceLocation(file: path, line: line, columnName: field) }
        var (e, path) = try readError("a.jsonl", "{\"tokens\":[\"a\"],\"tags\":[\"O\"]}\n{\"tokens\":[\"a\",\"b\"],\"tags\":[\"O\"]}\n")
        #expect(e == .lengthMismatch(SourceLocation(file: path, line: 2), tokens: 2, tags: 1))
        (e, path) = try readError("b.jsonl", "{\"tokens\":[\"a\"]}\n")
        #expect(e == .missingField(loc(path, 1, "tags")))
        (e, path) = try readError("c.jsonl", "{\"tokens\":[\"a\", 3],\"tags\":[\"O\",\"O\"]}\n")
        #expect(e == .invalidJSON(loc(path, 1, "tokens"), reason: "'tokens' must be a list of strings"))
        (e, path) = try readError("d.jsonl", "{\"tokens\":[],\"tags\":[]}\n")
        #expect(e == .emptyText(loc(path, 1, "tokens")))
        (e, path) = try readError("e.jsonl", "{\"label\":\"x\"}\n")
        guard case .invalidJSON(let l, _)? = e, l.line == 1 else { Issue.record("got \(String(describing: e))"); return }
        (e, path) = try readError("f.jsonl", "{\"text\":\"abc\"}\n")
        #expect(e == .missingField(loc(path, 1, "entities")))
        // Tag problems in JSONL name the list position.
        (e, path) = try readError("g.jsonl", "{\"tokens\":[\"a\",\"b\"],\"tags\":[\"O\",\"I-PER\"]}\n")
        #expect(e == .invalidTagTransition(loc(path, 1, "tags[1]"), tag: "I-PER", neighbour: .previous("O"), allowed: ["B-PER", "I-PER"], scheme: .iob2))
        // Spans: each problem names the span's position in the list.
        let spanCases: [(String, Int, SpanProblem)] = [
            ("[{\"start\":0,\"end\":2,\"label\":\"A\"},{\"start\":2,\"end\":2,\"label\":\"B\"}]", 1, .emptyOrReversed(start: 2, end: 2)),
            ("[{\"start\":3,\"end\":1,\"label\":\"B\"}]", 0, .emptyOrReversed(start: 3, end: 1)),
            ("[{\"start\":1,\"end\":5,\"label\":\"B\"}]", 0, .outsideText(start: 1, end: 5, length: 4)),
            ("[{\"start\":-1,\"end\":1,\"label\":\"B\"}]", 0, .outsideText(start: -1, end: 1, length: 4)),
            ("[{\"start\":2,\"end\":4,\"label\":\"A\"},{\"start\":0,\"end\":3,\"label\":\"B\"}]", 1, .overlaps(start: 0, end: 3, other: 0, otherStart: 2, otherEnd: 4)),
            ("[{\"start\":0,\"end\":1.5,\"label\":\"B\"}]", 0, .badField("end")),
            ("[{\"start\":0,\"end\":1,\"label\":\"\"}]", 0, .badField("label")),
            ("[{\"start\":true,\"end\":1,\"label\":\"B\"}]", 0, .badField("start")),
            ("[\"PER\"]", 0, .notAnObject),
        ]
        for (spans, index, problem) in spanCases {
            // "café" is 4 code points (5 UTF-8 bytes): offsets count code points.
            (e, path) = try readError("s.jsonl", "\n{\"text\":\"café\",\"entities\":\(spans)}\n")
            #expect(e == .invalidSpan(loc(path, 2, "entities"), index: index, problem: problem), "\(spans)")
        }
        #expect(DataError.invalidSpan(loc("s.jsonl", 2, "entities"), index: 1, problem: .overlaps(start: 0, end: 3, other: 0, otherStart: 2, otherEnd: 4))
            .errorDescription == "s.jsonl:2, column 'entities': entity 1 (0-based): span 0..<3 overlaps entity 0 (2..<4)")
        // Span labels against a label list.
        (e, path) = try readError("h.jsonl", "{\"text\":\"café\",\"entities\":[{\"start\":0,\"end\":4,\"label\":\"FOOD\"}]}\n",
                                  TaggedReadOptions(validator: TagValidator(labels: ["O", "B-PER", "I-PER"])))
        #expect(e == .unknownTag(loc(path, 1, "entities[0].label"), tag: "FOOD", known: ["O", "B-PER", "I-PER"]))
        // Not a JSON object at all.
        (e, path) = try readError("i.jsonl", "[1]\n")
        #expect(e == .invalidJSON(SourceLocation(file: path, line: 1), reason: "expected an object {...}"))
    }

    // MARK: Conversions

    @Test func spansToTagsAndBack() {
        let w = WordAlignment(words: ["New", "York-based", "Acme", "Corp", "hired", "Zoë"])
        #expect(w.text == "New York-based Acme Corp hired Zoë")
        let spans = [EntitySpan(start: 0, end: 8, label: "LOC"), EntitySpan(start: 15, end: 24, label: "ORG"), EntitySpan(start: 31, end: 34, label: "PER")]
        // "York-based" overlaps the LOC span (0..<8) only partly: it is still inside it.
        let tags = TagSpans.iob2Tags(spans: spans, wordRanges: w.wordRanges)
        #expect(tags == ["B-LOC", "I-LOC", "B-ORG", "I-ORG", "O", "B-PER"])
        // Back to spans: whole words.
        #expect(TagSpans.spans(iob2Tags: tags, wordRanges: w.wordRanges)
                == [EntitySpan(start: 0, end: 14, label: "LOC"), EntitySpan(start: 15, end: 24, label: "ORG"), EntitySpan(start: 31, end: 34, label: "PER")])
        // Spans in any order; a word overlapping two spans keeps the earlier one, and the later
        // starts at its next word.
        #expect(TagSpans.iob2Tags(spans: [EntitySpan(start: 4, end: 6, label: "A"), EntitySpan(start: 0, end: 2, label: "B")],
                                  wordRanges: [0..<3, 4..<7]) == ["B-B", "B-A"])
        #expect(TagSpans.iob2Tags(spans: [EntitySpan(start: 0, end: 2, label: "A"), EntitySpan(start: 2, end: 6, label: "B")],
                                  wordRanges: [0..<3, 4..<7]) == ["B-A", "B-B"])
        // Special tokens' empty (0, 0) offsets never get a tag; a whitespace-only span none either.
        #expect(TagSpans.iob2Tags(spans: [EntitySpan(start: 0, end: 3, label: "X"), EntitySpan(start: 3, end: 4, label: "Y")],
                                  wordRanges: [0..<0, 0..<3, 4..<5, 0..<0]) == ["O", "B-X", "O", "O"])
        // Invalid IOB2 read as conlleval does: I-X after O or after another type starts an entity.
        #expect(TagSpans.spans(iob2Tags: ["I-PER", "I-PER", "I-LOC", "O", "B-PER", "B-PER", "E-PER"], wordRanges: (0..<7).map { $0 * 2..<$0 * 2 + 1 })
                == [EntitySpan(start: 0, end: 3, label: "PER"), EntitySpan(start: 4, end: 5, label: "LOC"),
                    EntitySpan(start: 8, end: 9, label: "PER"), EntitySpan(start: 10, end: 11, label: "PER")])
    }
}
