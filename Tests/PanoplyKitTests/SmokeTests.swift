import Testing
@testable import PanoplyKit

@Test func packageBuilds() { #expect(PanoplyKitVersion.string.isEmpty == false) }
