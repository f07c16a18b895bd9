import Testing
@testable import SiftServer
@Test func SiftServerBuilds() { #expect(Bool(true)) }
