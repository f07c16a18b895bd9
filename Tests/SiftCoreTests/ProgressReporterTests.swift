import Foundation
import Testing
import SiftCore

/// A hand-driven clock and a captured output for ProgressReporter.
final class ProgressProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var now = 100.0
    private var text = ""
    func advance(_ s: Double) { lock.withLock { now += s } }
    func time() -> Double { lock.withLock { now } }
    func append(_ s: String) { lock.withLock { text += s } }
    var output: String { lock.withLock { text } }
    func reporter(total: Int, style: ProgressReporter.Style) -> ProgressReporter {
        ProgressReporter(total: total, style: style, clock: { self.time() }, write: { self.append($0) })
    }
}

@Suite struct ProgressReporterTests {
    @Test func logLinesComeEveryIntervalAndAtTheLastStep() {
        let probe = ProgressProbe()
        let p = probe.reporter(total: 10, style: .lines(interval: 5))
        // Steps every 2 s, 4 examples each: a line after 6 s (step 3), 12 s (step 6), 18 s (step 9), and step 10.
        for step in 1...10 {
            probe.advance(2)
            p.update(step: step, loss: 1.0 / Double(step), examples: 4 * step, context: "epoch 1/1")
        }
        p.finish()
        let lines = probe.output.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "", "every line ends in a newline")
        let body = lines.dropLast()
        #expect(body.count == 4, "\(probe.output)")
        #expect(body[0] == "epoch 1/1 step 3/10 (30%) loss 0.3333 2.0 ex/s ETA 14s")
        #expect(body[1].hasPrefix("epoch 1/1 step 6/10 (60%)"))
        #expect(body[3] == "epoch 1/1 step 10/10 (100%) loss 0.1000 2.0 ex/s took 20s")
        #expect(!probe.output.contains("\r"), "no carriage returns in a log")
    }

    @Test func nothingBeforeTheFirstIntervalAndNothingWhenOff() {
        let probe = ProgressProbe()
        let p = probe.reporter(total: 100, style: .lines(interval: 10))
        probe.advance(9)
        p.update(step: 1)
        #expect(probe.output.isEmpty)
        let off = probe.reporter(total: 1, style: .off)
        off.update(step: 1, loss: 0.5)
        off.finish()
        #expect(probe.output.isEmpty)
    }

    @Test func barRedrawsInPlaceAndEndsItsLine() {
        let probe = ProgressProbe()
        let p = probe.reporter(total: 4, style: .bar)
        for step in 1...4 { probe.advance(1); p.update(step: step, loss: 0.25) }
        p.finish()
        let out = probe.output
        #expect(out.hasPrefix("\r[######.................."))
        #expect(out.contains("4/4 loss 0.2500 took 4s"))
        #expect(out.hasSuffix("\n"))
        #expect(out.filter { $0 == "\n" }.count == 1)
    }

    @Test func durationsReadAsHoursMinutesSeconds() {
        #expect(ProgressReporter.duration(45) == "45s")
        #expect(ProgressReporter.duration(187) == "3m07s")
        #expect(ProgressReporter.duration(3900) == "1h05m")
        #expect(ProgressReporter.duration(.infinity) == "0s")
    }
}
