import Testing
@testable import SiftCLI

@Test func rootParsesTokenize() throws {
    let cmd = try SiftCommand.parseAsRoot(["tokenize"])
    #expect(cmd is TokenizeCommand)
}
