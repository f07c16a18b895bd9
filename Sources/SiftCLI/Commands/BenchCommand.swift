import ArgumentParser

/// `sift bench <area>`: benchmarks that print figures (each area adds a subcommand here).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed and memory (use a release build: swift run -c release sift bench ...).",
        subcommands: [BenchEngineCommand.self])
}
