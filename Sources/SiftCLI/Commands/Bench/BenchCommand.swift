import ArgumentParser

/// `sift bench <area>`: benchmarks that print figures, each against the Python stack in the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks against the Python stack (run in a release build).",
        subcommands: [BenchTokenizeCommand.self, BenchEngineCommand.self, BenchTrainCommand.self,
                      BenchDataCommand.self, BenchServeCommand.self, BenchFewShotCommand.self])
}
