import Foundation

/// One explained text for the HTML page: the text, the label explained, and a share per word
/// (code-point spans into the text).
public struct ExplainedText: Sendable {
    public struct Word: Sendable {
        public var start: Int
        public var end: Int
        public var attribution: Double
        public init(start: Int, end: Int, attribution: Double) { self.start = start; self.end = end; self.attribution = attribution }
    }
    public var text: String
    public var label: String
    public var score: Double
    public var method: String
    public var note: String?
    public var words: [Word]
    public init(text: String, label: String, score: Double, method: String, note: String? = nil, words: [Word]) {
        self.text = text; self.label = label; self.score = score; self.method = method; self.note = note; self.words = words
    }
}

/// A self-contained HTML page of highlighted words: green pushes toward the label, red away,
/// the strength relative to the text's largest share; hovering shows the number.
public enum ExplanationPage {
    public static func render(title: String, texts: [ExplainedText]) -> String {
        var html = """
        <!doctype html><html><head><meta charset="utf-8"><title>\(SVG.escape(title))</title>
        <style>body{font:15px/1.7 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}
        .t{border-bottom:1px solid #ddd;padding:.8em 0}.h{font-size:13px;color:#555}
        span.w{border-radius:3px;padding:0 1px}</style></head><body>
        <h1>\(SVG.escape(title))</h1>
        <p class="h">Green words push the score of the explained label up, red words push it down; \
        the colour's strength is relative to the text's largest share. Hover a word for its value.</p>

        """
        for t in texts {
            let peak = t.words.map { abs($0.attribution) }.max() ?? 0
            html += "<div class=\"t\"><div class=\"h\">\(SVG.escape(t.label)) · score \(String(format: "%.4f", t.score)) · \(SVG.escape(t.method))"
            if let note = t.note { html += " · \(SVG.escape(note))" }
            html += "</div><div>"
            let scalars = Array(t.text.unicodeScalars)
            var at = 0
            func piece(_ lo: Int, _ hi: Int) -> String {
                var v = String.UnicodeScalarView(); v.append(contentsOf: scalars[lo..<hi]); return SVG.escape(String(v))
            }
            for w in t.words.sorted(by: { $0.start < $1.start }) where w.start >= at && w.end <= scalars.count && w.start < w.end {
                if w.start > at { html += piece(at, w.start) }
                let strength = peak > 0 ? min(1, abs(w.attribution) / peak) : 0
                let colour = w.attribution >= 0 ? "0,150,60" : "210,40,40"
                html += "<span class=\"w\" title=\"\(String(format: "%.4f", w.attribution))\" style=\"background:rgba(\(colour),\(String(format: "%.2f", 0.75 * strength)))\">\(piece(w.start, w.end))</span>"
                at = w.end
            }
            if at < scalars.count { html += piece(at, scalars.count) }
            html += "</div></div>\n"
        }
        return html + "</body></html>\n"
    }
}
