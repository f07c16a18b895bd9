import Foundation

/// Small SVG charts drawn by hand: no JavaScript and no external files, so a report is one
/// self-contained HTML file that renders the same in any browser, offline.
enum SVG {
    /// Okabe–Ito colours: distinguishable with the common kinds of colour blindness.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
    static func color(_ i: Int) -> String { palette[i % palette.count] }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func num(_ v: Double) -> String { v.isFinite ? String(format: "%.2f", v) : "0" }

    struct Series {
        var name: String
        var x: [Double]
        var y: [Double]
        var color: String
        var dashed = false
        /// Step plot (precision-recall curves are step functions).
        var step = false
    }

    /// A line chart with axes, ticks, grid and a legend.
    static func lineChart(series: [Series], title: String, xLabel: String, yLabel: String,
                          xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                          width: Double = 460, height: Double = 340, diagonal: Bool = false, legendLeft: Bool = false) -> String {
        let ml = 56.0, mr = 12.0, mt = 30.0, mb = 46.0
        let pw = width - ml - mr, ph = height - mt - mb
        let allX = series.flatMap(\.x).filter(\.isFinite), allY = series.flatMap(\.y).filter(\.isFinite)
        var xr = xRange ?? ((allX.min() ?? 0)...(max(allX.max() ?? 1, (allX.min() ?? 0) + 1e-9)))
        var yr = yRange ?? ((allY.min() ?? 0)...(max(allY.max() ?? 1, (allY.min() ?? 0) + 1e-9)))
        if xr.lowerBound == xr.upperBound { xr = (xr.lowerBound - 1)...(xr.upperBound + 1) }
        if yr.lowerBound == yr.upperBound { yr = (yr.lowerBound - 1)...(yr.upperBound + 1) }
        func px(_ x: Double) -> Double { ml + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * pw }
        func py(_ y: Double) -> Double { mt + ph - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * ph }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(num(width))\" height=\"\(num(height))\" viewBox=\"0 0 \(num(width)) \(num(height))\" role=\"img\" aria-label=\"\(escape(title))\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"
        s += "<text x=\"\(num(width / 2))\" y=\"18\" text-anchor=\"middle\" class=\"t\">\(escape(title))</text>"
        for k in 0...5 {
            let fx = xr.lowerBound + Double(k) / 5 * (xr.upperBound - xr.lowerBound)
            let fy = yr.lowerBound + Double(k) / 5 * (yr.upperBound - yr.lowerBound)
            s += "<line x1=\"\(num(px(fx)))\" y1=\"\(num(mt))\" x2=\"\(num(px(fx)))\" y2=\"\(num(mt + ph))\" stroke=\"#eee\"/>"
            s += "<line x1=\"\(num(ml))\" y1=\"\(num(py(fy)))\" x2=\"\(num(ml + pw))\" y2=\"\(num(py(fy)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(num(px(fx)))\" y=\"\(num(mt + ph + 16))\" text-anchor=\"middle\" class=\"k\">\(tick(fx))</text>"
            s += "<text x=\"\(num(ml - 6))\" y=\"\(num(py(fy) + 4))\" text-anchor=\"end\" class=\"k\">\(tick(fy))</text>"
        }
        s += "<rect x=\"\(num(ml))\" y=\"\(num(mt))\" width=\"\(num(pw))\" height=\"\(num(ph))\" fill=\"none\" stroke=\"#999\"/>"
        s += "<text x=\"\(num(ml + pw / 2))\" y=\"\(num(height - 8))\" text-anchor=\"middle\" class=\"a\">\(escape(xLabel))</text>"
        s += "<text transform=\"translate(14 \(num(mt + ph / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"a\">\(escape(yLabel))</text>"
        if diagonal {
            s += "<line x1=\"\(num(px(xr.lowerBound)))\" y1=\"\(num(py(yr.lowerBound)))\" x2=\"\(num(px(xr.upperBound)))\" y2=\"\(num(py(yr.upperBound)))\" stroke=\"#bbb\" stroke-dasharray=\"4 4\"/>"
        }
        for se in series where !se.x.isEmpty {
            var pts: [String] = []
            for i in se.x.indices where se.x[i].isFinite && se.y[i].isFinite {
                if se.step, i > 0, se.x[i - 1].isFinite { pts.append("\(num(px(se.x[i]))),\(num(py(se.y[i - 1])))") }
                pts.append("\(num(px(se.x[i]))),\(num(py(se.y[i])))")
            }
            s += "<polyline fill=\"none\" stroke=\"\(se.color)\" stroke-width=\"2\"\(se.dashed ? " stroke-dasharray=\"6 3\"" : "") points=\"\(pts.joined(separator: " "))\"/>"
        }
        // Legend in a bottom corner (where ROC and loss curves rarely are), on a white panel.
        if !series.isEmpty {
            let lw = min(230.0, Double(series.map(\.name.count).max() ?? 8) * 6.2 + 30)
            let lh = Double(series.count) * 16 + 6
            let lx = legendLeft ? ml + 6 : ml + pw - lw - 6, ly = mt + ph - lh - 6
            s += "<rect x=\"\(num(lx))\" y=\"\(num(ly))\" width=\"\(num(lw))\" height=\"\(num(lh))\" fill=\"#fff\" fill-opacity=\"0.9\" stroke=\"#ddd\"/>"
            for (i, se) in series.enumerated() {
                let y = ly + 15 + Double(i) * 16
                s += "<rect x=\"\(num(lx + 6))\" y=\"\(num(y - 6))\" width=\"12\" height=\"4\" fill=\"\(se.color)\"/>"
                s += "<text x=\"\(num(lx + 24))\" y=\"\(num(y - 1))\" class=\"k\">\(escape(se.name))</text>"
            }
        }
        return s + "</svg>"
    }

    static func tick(_ v: Double) -> String {
        if abs(v) >= 1000 { return String(format: "%.0f", v) }
        if abs(v - v.rounded()) < 1e-9 { return String(format: "%.0f", v) }
        return String(format: abs(v) < 0.1 ? "%.3f" : "%.2f", v)
    }

    /// Confusion matrix: cells shaded by the share of the true class (row), counts written in.
    static func heatmap(matrix: [[Int]], labels: [String], title: String) -> String {
        let k = labels.count
        let cell = max(28.0, min(64.0, 420.0 / Double(max(k, 1))))
        let labelW = min(160.0, Double(labels.map(\.count).max() ?? 4) * 7 + 12)
        let ml = labelW + 24, mt = 40.0 + labelW * 0.7
        let width = ml + cell * Double(k) + 20, height = mt + cell * Double(k) + 40
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(num(width))\" height=\"\(num(height))\" viewBox=\"0 0 \(num(width)) \(num(height))\" role=\"img\" aria-label=\"\(escape(title))\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"
        s += "<text x=\"\(num(width / 2))\" y=\"18\" text-anchor=\"middle\" class=\"t\">\(escape(title))</text>"
        for r in 0..<k {
            let total = Double(max(matrix[r].reduce(0, +), 1))
            for c in 0..<k {
                let v = matrix[r][c]
                let share = Double(v) / total
                // Blue for the diagonal (right), orange-red off it (wrong); darker = larger share.
                let (hue, sat) = r == c ? (210.0, 70.0) : (15.0, 80.0)
                let light = 97.0 - 55.0 * share
                let x = ml + Double(c) * cell, y = mt + Double(r) * cell
                s += "<rect x=\"\(num(x))\" y=\"\(num(y))\" width=\"\(num(cell))\" height=\"\(num(cell))\" fill=\"hsl(\(num(hue)),\(num(sat))%,\(num(light))%)\" stroke=\"#fff\"><title>true \(escape(labels[r])), predicted \(escape(labels[c])): \(v) (\(String(format: "%.1f", 100 * share))% of the row)</title></rect>"
                s += "<text x=\"\(num(x + cell / 2))\" y=\"\(num(y + cell / 2 + 4))\" text-anchor=\"middle\" class=\"k\" fill=\"\(light < 60 ? "#fff" : "#222")\">\(v)</text>"
            }
            s += "<text x=\"\(num(ml - 6))\" y=\"\(num(mt + Double(r) * cell + cell / 2 + 4))\" text-anchor=\"end\" class=\"k\">\(escape(short(labels[r])))</text>"
        }
        for c in 0..<k {
            let x = ml + Double(c) * cell + cell / 2
            s += "<text transform=\"translate(\(num(x)) \(num(mt - 6))) rotate(-45)\" class=\"k\">\(escape(short(labels[c])))</text>"
        }
        s += "<text x=\"\(num(ml + cell * Double(k) / 2))\" y=\"\(num(height - 10))\" text-anchor=\"middle\" class=\"a\">predicted</text>"
        s += "<text transform=\"translate(12 \(num(mt + cell * Double(k) / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"a\">true</text>"
        return s + "</svg>"
    }

    static func short(_ s: String) -> String { s.count > 22 ? String(s.prefix(21)) + "…" : s }

    /// Overlaid histograms of values in [0, 1] (e.g. confidence of right vs wrong predictions).
    static func histogram(groups: [(name: String, values: [Double], color: String)], bins: Int = 20, title: String,
                          xLabel: String, width: Double = 460, height: Double = 300) -> String {
        let ml = 56.0, mr = 12.0, mt = 30.0, mb = 46.0
        let pw = width - ml - mr, ph = height - mt - mb
        let counts = groups.map { g -> [Int] in
            var c = [Int](repeating: 0, count: bins)
            for v in g.values where v.isFinite { c[min(bins - 1, max(0, Int(v * Double(bins))))] += 1 }
            return c
        }
        let top = Double(max(counts.flatMap { $0 }.max() ?? 1, 1))
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(num(width))\" height=\"\(num(height))\" viewBox=\"0 0 \(num(width)) \(num(height))\" role=\"img\" aria-label=\"\(escape(title))\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"
        s += "<text x=\"\(num(width / 2))\" y=\"18\" text-anchor=\"middle\" class=\"t\">\(escape(title))</text>"
        let bw = pw / Double(bins)
        for (gi, c) in counts.enumerated() {
            for b in 0..<bins where c[b] > 0 {
                let h = Double(c[b]) / top * ph
                // Side-by-side bars inside each bin so overlapping groups stay readable.
                let w = bw / Double(counts.count)
                s += "<rect x=\"\(num(ml + Double(b) * bw + Double(gi) * w))\" y=\"\(num(mt + ph - h))\" width=\"\(num(max(w - 1, 1)))\" height=\"\(num(h))\" fill=\"\(groups[gi].color)\"><title>\(escape(groups[gi].name)) \(String(format: "%.2f–%.2f", Double(b) / Double(bins), Double(b + 1) / Double(bins))): \(c[b])</title></rect>"
            }
        }
        for k in 0...5 {
            let fx = Double(k) / 5, fy = top * Double(k) / 5
            s += "<text x=\"\(num(ml + fx * pw))\" y=\"\(num(mt + ph + 16))\" text-anchor=\"middle\" class=\"k\">\(tick(fx))</text>"
            s += "<text x=\"\(num(ml - 6))\" y=\"\(num(mt + ph - fy / top * ph + 4))\" text-anchor=\"end\" class=\"k\">\(String(format: "%.0f", fy))</text>"
        }
        s += "<rect x=\"\(num(ml))\" y=\"\(num(mt))\" width=\"\(num(pw))\" height=\"\(num(ph))\" fill=\"none\" stroke=\"#999\"/>"
        s += "<text x=\"\(num(ml + pw / 2))\" y=\"\(num(height - 8))\" text-anchor=\"middle\" class=\"a\">\(escape(xLabel))</text>"
        s += "<text transform=\"translate(14 \(num(mt + ph / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"a\">examples</text>"
        for (i, g) in groups.enumerated() {
            let y = mt + 14 + Double(i) * 16
            s += "<rect x=\"\(num(ml + 10))\" y=\"\(num(y - 9))\" width=\"10\" height=\"10\" fill=\"\(g.color)\"/>"
            s += "<text x=\"\(num(ml + 26))\" y=\"\(num(y))\" class=\"k\">\(escape(g.name)) (\(g.values.count))</text>"
        }
        return s + "</svg>"
    }
}
