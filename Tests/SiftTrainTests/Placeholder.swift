import Testing
@testable import SiftTrain
@Test func SiftTrainBuilds() { #expect(Bool(true)) }
