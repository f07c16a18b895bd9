import SiftCLI

await SiftCommand.main()
