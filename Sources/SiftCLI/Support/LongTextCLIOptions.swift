import ArgumentParser
import SiftInference

extension LongTextMode: ExpressibleByArgument {}
extension WindowAggregation: ExpressibleByArgument {}
extension EntityAggregation: ExpressibleByArgument {}
extension AttributionMethod: ExpressibleByArgument {}
extension AttributionOutput: ExpressibleByArgument {}

/// Texts longer than the model's length, for predict / eval / train: truncate (the default),
/// head + tail, or overlapping windows whose scores are combined.
struct LongTextCLIOptions: ParsableArguments {
    @Option(help: "truncate, head-tail (first quarter + last three quarters of the room) or window.")
    var longText: LongTextMode = .truncate

    @Option(help: "With --long-text window: tokens shared by consecutive windows (Hugging Face's stride).")
    var stride: Int = LongTextOptions().stride

    @Option(help: "With --long-text window: how window scores combine, mean or max (per label).")
    var windowAggregation: WindowAggregation = .mean

    @Option(help: "With --long-text window: at most this many windows per text (the first ones).")
    var maxWindows: Int = LongTextOptions().maxWindows

    func validate() throws {
        if stride < 0 { throw ValidationError("--stride must be at least 0") }
        if maxWindows < 1 { throw ValidationError("--max-windows must be at least 1") }
    }

    var options: LongTextOptions {
        LongTextOptions(mode: longText, stride: stride, aggregation: windowAggregation, maxWindows: maxWindows)
    }
}
