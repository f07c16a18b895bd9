import Testing
@testable import SiftData
@Test func SiftDataBuilds() { #expect(Bool(true)) }
