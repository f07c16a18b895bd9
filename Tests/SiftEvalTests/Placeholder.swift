import Testing
@testable import SiftEval
@Test func SiftEvalBuilds() { #expect(Bool(true)) }
