import Testing
@testable import SiftEngine
@Test func engineBuilds() { #expect(BLAS.threads >= 1) }
