import Foundation
import Testing
@testable import SiftData

@Suite struct EntityLinkerTests {
    static let tsv = """
    # people, places and organisations
    id\ttype\tname\taliases
    Q567\tPER\tAngela Merkel\tMerkel|Angela Dorothea Merkel
    Q64\tLOC\tBerlin
    Q90\tLOC\tParis\tParis, France|
    Q30\tLOC\tUnited States\tU.S.|USA
    Q1\tPER\tZoë Müller\t

    Q7\tPER\t王小明\t小明
    Q16\tORG\t北京大学\t北大
    Q8\tORG\tIBM\tInternational Business Machines
    Q3\tPER\tJohn Smith
    Q2\tPER\tJohn Smith

    """

    static func linker(threshold: Double = 0.5) throws -> EntityLinker {
        EntityLinker(dictionary: try EntityDictionary(url: try tempFile("d.tsv", tsv)), threshold: threshold)
    }

    @Test func readsDictionaryWithHeaderCommentsAndAliases() throws {
        let d = try EntityDictionary(url: try tempFile("d.tsv", Self.tsv))
        #expect(d.count == 10)
        #expect(d.entry(id: "Q567") == EntityDictionary.Entry(id: "Q567", type: "PER", name: "Angela Merkel",
                                                               aliases: ["Merkel", "Angela Dorothea Merkel"], line: 3))
        #expect(d.entry(id: "Q90")?.aliases == ["Paris, France"])
        #expect(d.entry(id: "Q1")?.aliases == [] && d.entry(id: "Q64")?.aliases == [])
        #expect(d.entry(id: "Q7")?.line == 9)
        // CRLF and a byte-order mark.
        let crlf = try EntityDictionary(url: try tempFile("c.tsv", [0xEF, 0xBB, 0xBF] + Array("id\ttype\tname\r\nA\tPER\tAl\r\n".utf8)))
        #expect(crlf.entries == [EntityDictionary.Entry(id: "A", type: "PER", name: "Al", line: 2)])
    }

    @Test func malformedDictionaryErrorsNameTheLine() throws {
        func error(_ text: String) throws -> (DataError?, String) {
            let url = try tempFile("bad.tsv", text)
            do { _ = try EntityDictionary(url: url); return (nil, url.path) } catch let e as DataError { return (e, url.path) }
        }
        var (e, path) = try error("# c\nA\tPER\tAl\nB\tPER\n")
        #expect(e == .columnCount(SourceLocation(file: path, line: 3), fields: 2, allowed: 3...4))
        #expect(e?.errorDescription == "\(path):3: line has 2 columns; expected 3 to 4")
        (e, path) = try error("A\tPER\tAl\tx\ty\n")
        #expect(e == .columnCount(SourceLocation(file: path, line: 1), fields: 5, allowed: 3...4))
        (e, path) = try error("A\tPER\tAl\n\nA\tLOC\tAlabama\n")
        #expect(e == .duplicateID(SourceLocation(file: path, line: 3), id: "A", firstLine: 1))
        #expect(e?.errorDescription == "\(path):3: id 'A' is already used on line 1")
        (e, path) = try error("A\t \tAl\n")
        #expect(e == .emptyField(SourceLocation(file: path, line: 1, column: 2, columnName: "type")))
        // A header is only a header on the first line.
        (e, path) = try error("A\tPER\tAl\nid\ttype\tname\nid\ttype\tname\n")
        #expect(e == .duplicateID(SourceLocation(file: path, line: 3), id: "id", firstLine: 2))
        #expect(throws: DataError.duplicateID(SourceLocation(file: "<entries>", line: 2), id: "x", firstLine: 1)) {
            try EntityDictionary(entries: [.init(id: "x", type: "A", name: "a"), .init(id: "x", type: "B", name: "b")])
        }
    }

    @Test func normalization() {
        #expect(NameNormalization.normalize("  Zoë   Müller. ") == "zoe muller")
        #expect(NameNormalization.normalize("U.S.") == "us")
        #expect(NameNormalization.normalize("Jean-Luc O'Brien") == "jean luc obrien")
        #expect(NameNormalization.normalize("ＩＢＭ") == "ibm")
        #expect(NameNormalization.normalize("STRASSE") == NameNormalization.normalize("Straße"))
        #expect(NameNormalization.normalize("«Łódź»") == "łodz")
        // Japanese voicing marks are letters' identity, not diacritics; Hangul survives the round trip.
        #expect(NameNormalization.normalize("がっこう") == "がっこう")
        #expect(NameNormalization.normalize("김정은") == "김정은")
        #expect(NameNormalization.normalize("...") == "")
    }

    @Test func exactAliasAndFuzzyMatches() throws {
        let l = try Self.linker()
        #expect(l.link(mention: "Angela Merkel") == EntityLink(id: "Q567", type: "PER", canonicalName: "Angela Merkel", score: 1,
                                                             match: .exact, matchedName: "Angela Merkel"))
        #expect(l.link(mention: "MERKEL", type: "PER") == EntityLink(id: "Q567", type: "PER", canonicalName: "Angela Merkel", score: 1,
                                                                   match: .alias, matchedName: "Merkel"))
        // "the us" shares " us" and "us " with the alias "us": 2·2 / (6 + 2) = 0.5, at the threshold.
        let us = try #require(l.link(mention: "the U.S", type: "LOC"))
        #expect(us.id == "Q30" && us.match == .fuzzy && us.score == 0.5)
        #expect(l.link(mention: "U.S", type: "LOC")?.id == "Q30")
        #expect(l.link(mention: "usa")?.match == .alias)
        // A typo: Dice of the trigram sets is 2·10 / (13 + 13).
        let typo = try #require(l.link(mention: "Angela Merkle", type: "PER"))
        #expect(typo.id == "Q567" && typo.match == .fuzzy && abs(typo.score - 20.0 / 26.0) < 1e-12)
        // Types are compared case-insensitively; another type is never linked.
        #expect(l.link(mention: "Angela Merkel", type: "per")?.id == "Q567")
        #expect(l.link(mention: "Angela Merkel", type: "LOC") == nil)
        #expect(l.link(mention: "Angela Merkle", type: "ORG") == nil)
        #expect(l.link(mention: "Berlin", type: "PER") == nil && l.link(mention: "Berlin", type: "LOC")?.id == "Q64")
        // Punctuation-only mentions link to nothing.
        #expect(l.link(mention: "--") == nil)
    }

    @Test func thresholdAndTies() throws {
        // "Angela" shares 6 of its 6 trigrams with "Angela Merkel" (13): 12/19 ≈ 0.63.
        #expect(try Self.linker(threshold: 0.5).link(mention: "Angela", type: "PER")?.id == "Q567")
        #expect(try Self.linker(threshold: 0.7).link(mention: "Angela", type: "PER") == nil)
        var l = try Self.linker(threshold: 12.0 / 19.0)
        #expect(l.link(mention: "Angela", type: "PER")?.score == 12.0 / 19.0)   // the threshold is inclusive
        l.threshold = 0.99
        #expect(l.link(mention: "Angela Merkle") == nil && l.link(mention: "Angela Merkel")?.match == .exact)
        // Two entries with one name: the smaller id wins, exact and fuzzy alike.
        #expect(l.link(mention: "john smith")?.id == "Q2")
        let fuzzy = try Self.linker()
        #expect(fuzzy.link(mention: "Jon Smith")?.id == "Q2")
        let both = fuzzy.candidates(mention: "Jon Smith", type: "PER", limit: 3)
        #expect(both.map(\.id) == ["Q2", "Q3"] && both[0].score == both[1].score)
        // Exact beats alias beats fuzzy; candidates are one per entry.
        #expect(fuzzy.candidates(mention: "Merkel", limit: 10).map(\.id) == ["Q567"])
    }

    @Test func diacriticsAndCJK() throws {
        let l = try Self.linker()
        #expect(l.link(mention: "Zoe Muller")?.id == "Q1")
        #expect(l.link(mention: "ZOË MÜLLER")?.match == .exact)
        #expect(l.link(mention: "Zoe Mueller")?.match == .fuzzy)
        // Exact and alias on CJK names, and trigrams over CJK characters.
        #expect(l.link(mention: "王小明", type: "PER")?.match == .exact)
        #expect(l.link(mention: "小明", type: "PER")?.match == .alias)
        #expect(l.link(mention: "北大", type: "ORG")?.match == .alias)
        // " 北京大学院 " shares 3 trigrams with " 北京大学 " (5 and 4): 6/9.
        let uni = try #require(l.link(mention: "北京大学院", type: "ORG"))
        #expect(uni.id == "Q16" && uni.match == .fuzzy && abs(uni.score - 6.0 / 9.0) < 1e-12)
        #expect(l.link(mention: "ＩＢＭ")?.id == "Q8")
    }

    @Test func largeDictionaryStaysCorrectThroughTheIndex() throws {
        // 100k synthetic names from a seeded generator; every 500th is looked up with one
        // letter changed, and the index must find the same entry a full scan finds.
        var rng = SeededGenerator(seed: 14)
        // Consonant-vowel syllables, some with a final consonant: name-like trigram statistics.
        let syllables = "bdfgklmnprstvz".flatMap { c in "aeiou".flatMap { v in ["\(c)\(v)", "\(c)\(v)n", "\(c)\(v)r"] } }
        func word() -> String { (0..<Int.random(in: 2...3, using: &rng)).map { _ in syllables.randomElement(using: &rng)! }.joined() }
        var entries: [EntityDictionary.Entry] = []
        for i in 0..<100_000 {
            entries.append(.init(id: String(format: "E%06d", i), type: i % 3 == 0 ? "ORG" : "PER", name: "\(word()) \(word())"))
        }
        let start = Date()
        let l = EntityLinker(dictionary: try EntityDictionary(entries: entries))
        let built = Date()
        var found = 0, lookups = 0
        for i in stride(from: 0, to: 100_000, by: 500) {
            var name = Array(entries[i].name)
            name[name.count / 2] = name[name.count / 2] == "x" ? "y" : "x"
            lookups += 1
            if let link = l.link(mention: String(name), type: entries[i].type), link.id == entries[i].id || link.score == 1 { found += 1 }
        }
        let done = Date()
        print(String(format: "EntityLinker: 100k entries indexed in %.2f s, %d fuzzy lookups in %.3f s", built.timeIntervalSince(start), lookups,
                     done.timeIntervalSince(built)))
        // One changed letter keeps most trigrams: nearly every lookup finds its entry.
        #expect(found >= lookups * 9 / 10, "\(found) of \(lookups)")
        // The index agrees with a full scan.
        let grams = entries.map { EntityLinker.trigrams(NameNormalization.normalize($0.name)) }
        for i in stride(from: 0, to: 100_000, by: 20_000) {
            Self.expectFullScanAgrees(l, entries, grams, mention: String(entries[i].name.dropLast(2)), type: entries[i].type)
        }
    }

    /// The best entry by Dice over every name of the type (ties to the smaller id), as the
    /// linker's prefix-filtered index must find it.
    static func expectFullScanAgrees(_ l: EntityLinker, _ entries: [EntityDictionary.Entry], _ grams: [Set<UInt64>],
                                     mention: String, type: String?, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let qg = EntityLinker.trigrams(NameNormalization.normalize(mention))
        var bestScore = -1.0, bestID = ""
        for (e, g) in zip(entries, grams) where type == nil || e.type == type {
            let s = 2 * Double(qg.intersection(g).count) / Double(qg.count + g.count)
            if s > bestScore || (s == bestScore && e.id < bestID) { bestScore = s; bestID = e.id }
        }
        let link = l.link(mention: mention, type: type)
        let want = bestScore >= l.threshold ? bestID : nil
        #expect(link?.id == want && (link.map { abs($0.score - bestScore) < 1e-12 } ?? true),
                "'\(mention)' at \(l.threshold): \(String(describing: link)) vs \(bestID) \(bestScore)", sourceLocation: sourceLocation)
    }

    @Test func prefixFilteringMissesNothingAtAnyThreshold() throws {
        // Short and long names, mentions cut, extended and with letters changed, at thresholds
        // from permissive to strict: the index and a full scan pick the same entry.
        var rng = SeededGenerator(seed: 7)
        let letters = Array("abcdefghiklmnoprstu ")
        func text(_ n: Int) -> String { String((0..<n).map { _ in letters.randomElement(using: &rng)! }) }
        var entries: [EntityDictionary.Entry] = []
        for i in 0..<2_000 { entries.append(.init(id: String(format: "N%04d", i), type: "T", name: "x" + text(Int.random(in: 1...14, using: &rng)))) }
        let grams = entries.map { EntityLinker.trigrams(NameNormalization.normalize($0.name)) }
        for t in [0.2, 0.35, 0.5, 0.65, 0.8, 1.0] {
            let l = EntityLinker(dictionary: try EntityDictionary(entries: entries), threshold: t)
            for k in 0..<60 {
                var m = Array(entries[(k * 37) % entries.count].name)
                switch k % 4 {
                case 0: m = Array(m.prefix(max(1, m.count - 2)))
                case 1: m += Array(text(3))
                case 2: m[m.count / 2] = "z"
                default: m = Array(text(Int.random(in: 2...10, using: &rng)))
                }
                Self.expectFullScanAgrees(l, entries, grams, mention: String(m), type: "T")
            }
        }
    }
}
