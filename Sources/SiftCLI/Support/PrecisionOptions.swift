import ArgumentParser
import Foundation
import SiftInference

/// `--precision` and `--strict-precision`, shared by embed, predict, eval, serve and the other
/// commands that run a model folder.
struct PrecisionOptions: ParsableArguments {
    @Option(help: "Dense-layer arithmetic: fp32, bf16, int8 (oneDNN, weights packed at load) or auto (the fastest that passes the accuracy gate on this CPU).")
    var precision: PrecisionChoice = .fp32

    @Flag(help: "Fail when this CPU cannot run --precision, instead of falling back to fp32 with a warning.")
    var strictPrecision = false

    /// Packs the bundle; prints each fallback warning on stderr and, when `verbose`, what runs.
    @discardableResult
    func apply(to bundle: ModelBundle, verbose: Bool = false) throws -> PrecisionSelection {
        let selection = try bundle.usePrecision(precision, strict: strictPrecision)
        for w in selection.warnings { FileHandle.standardError.write(Data((w + "\n").utf8)) }
        if verbose || precision == .auto {
            FileHandle.standardError.write(Data("precision: \(selection.description)\n".utf8))
        }
        return selection
    }
}

extension PrecisionChoice: ExpressibleByArgument {}
