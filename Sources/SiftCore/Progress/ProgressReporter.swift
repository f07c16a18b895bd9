import Foundation

/// Progress of a long loop (training steps, batches of texts) on stderr.
///
/// On a terminal a bar is redrawn in place; anywhere else (CI, `nohup`, a log file) a redrawn bar
/// is noise and silence looks like a hang, so one plain line is written every `interval` seconds
/// and at the last step: step/total, loss, examples/s and the ETA.
public final class ProgressReporter: @unchecked Sendable {
    public enum Style: Sendable, Equatable {
        /// One line redrawn with `\r`.
        case bar
        /// A line every `interval` seconds (and one at the last step).
        case lines(interval: Double)
        /// Nothing.
        case off

        /// The bar when stderr is a terminal, else a line every `interval` seconds.
        public static func automatic(interval: Double = 10) -> Style {
            isatty(STDERR_FILENO) != 0 ? .bar : .lines(interval: interval)
        }
    }

    public let total: Int
    public let style: Style
    private let clock: @Sendable () -> Double
    private let write: @Sendable (String) -> Void
    private let lock = NSLock()
    private let start: Double
    private var lastOutput: Double
    private var drewBar = false

    /// - Parameters:
    ///   - total: steps in the whole run (the ETA assumes they take equally long).
    ///   - clock: seconds on any monotonic scale (tests inject one).
    ///   - write: receives the text exactly as it goes to the stream: lines end in "\n", the bar
    ///     starts with "\r".
    public init(total: Int, style: Style = .automatic(),
                clock: @escaping @Sendable () -> Double = ProgressReporter.monotonicSeconds,
                write: @escaping @Sendable (String) -> Void = ProgressReporter.standardError) {
        self.total = max(0, total)
        self.style = style
        self.clock = clock
        self.write = write
        start = clock()
        lastOutput = start
    }

    /// Records that `step` of `total` steps are done. `examples`: items processed so far (for the
    /// rate); `context`: a prefix such as "epoch 2/3".
    public func update(step: Int, loss: Double? = nil, examples: Int? = nil, context: String? = nil) {
        lock.withLock {
            let now = clock()
            switch style {
            case .off:
                return
            case .bar:
                guard now - lastOutput >= 0.2 || step >= total else { return }
                lastOutput = now
                drewBar = true
                write("\r" + describe(step: step, loss: loss, examples: examples, context: context, now: now, bar: true) + " ")
            case .lines(let interval):
                guard now - lastOutput >= interval || step >= total else { return }
                lastOutput = now
                write(describe(step: step, loss: loss, examples: examples, context: context, now: now, bar: false) + "\n")
            }
        }
    }

    /// Ends the bar's line, so what follows starts on a fresh one.
    public func finish() {
        lock.withLock {
            if drewBar { write("\n"); drewBar = false }
        }
    }

    /// "epoch 1/3 [######..........] 40/120 (33%) loss 0.5123 85.2 ex/s ETA 1m20s"
    func describe(step: Int, loss: Double?, examples: Int?, context: String?, now: Double, bar: Bool) -> String {
        let elapsed = max(0, now - start)
        var parts: [String] = []
        if let context { parts.append(context) }
        if bar {
            let width = 24, filled = total > 0 ? min(width, width * step / total) : 0
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]")
        }
        let percent = total > 0 ? 100 * step / total : 100
        parts.append(bar ? "\(step)/\(total)" : "step \(step)/\(total) (\(percent)%)")
        if let loss { parts.append(String(format: "loss %.4f", loss)) }
        if let examples, elapsed > 0 { parts.append(String(format: "%.1f ex/s", Double(examples) / elapsed)) }
        if step > 0 && step < total {
            parts.append("ETA " + Self.duration(elapsed / Double(step) * Double(total - step)))
        } else if step >= total {
            parts.append("took " + Self.duration(elapsed))
        }
        return parts.joined(separator: " ")
    }

    /// "45s", "3m07s", "1h05m".
    public static func duration(_ seconds: Double) -> String {
        let t = Int(seconds.isFinite ? seconds.rounded() : 0)
        if t >= 3600 { return String(format: "%dh%02dm", t / 3600, t % 3600 / 60) }
        if t >= 60 { return String(format: "%dm%02ds", t / 60, t % 60) }
        return "\(t)s"
    }

    @Sendable public static func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    @Sendable public static func standardError(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
