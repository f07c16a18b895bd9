import Testing
@testable import SiftTokenizers
@Test func version() { #expect(!SiftTokenizersVersion.value.isEmpty) }
