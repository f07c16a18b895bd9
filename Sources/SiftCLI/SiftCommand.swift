import ArgumentParser
import SiftCore

/// The root of `sift`: each subcommand lives in Commands/ and calls a library function.
public struct SiftCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sift",
        abstract: "Tokenize, embed, classify, fine-tune and serve BERT-family text classifiers.",
        version: SiftVersion.current,
        subcommands: [
            DemoCommand.self,
            InfoCommand.self,
            MergeCommand.self,
            VocabCommand.self,
            PretrainCommand.self,
            AdaptCommand.self,
            FillMaskCommand.self,
            TokenizeCommand.self,
            EmbedCommand.self,
            PredictCommand.self,
            ZeroShotCommand.self,
            NERCommand.self,
            ExplainCommand.self,
            RedactCommand.self,
            DataCommand.self,
            EvalCommand.self,
            BenchCommand.self,
            TrainCommand.self,
            ServeCommand.self,
        ]
    )
    public init() {}
}
