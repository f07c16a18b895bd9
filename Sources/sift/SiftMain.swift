import ArgumentParser
import SiftCLI

/// The executable: ArgumentParser's own async entry point over the library's command tree.
@main
struct SiftMain: AsyncParsableCommand {
    static let configuration = SiftCommand.configuration
}
