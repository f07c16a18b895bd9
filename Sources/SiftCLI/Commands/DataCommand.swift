import ArgumentParser

/// `sift data`: look at, clean and split a data set before training.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect, clean and split labeled text data.",
        subcommands: [DataInspectCommand.self, DataCleanCommand.self, DataSplitCommand.self])
}
