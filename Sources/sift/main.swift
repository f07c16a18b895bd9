import SiftCLI
import ArgumentParser

// Parse and dispatch by hand: `await SiftCommand.main()` from top-level code resolves to the
// synchronous `main()` on Linux, which refuses async commands.
do {
    var command = try SiftCommand.parseAsRoot()
    if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
    } else {
        try command.run()
    }
} catch {
    SiftCommand.exit(withError: error)
}
