import Testing

@testable import PanoplyKit
@testable import PanoplyTUICore

/// Keys that do not apply are not offered: one decision (`AppState.applicableBindings()`)
/// answers the key and hides it from the help bar.
@Suite struct KeyAvailabilityTests {
    static func bar(_ d: Driver) -> [String] { helpBarItems(d.state).map { "\($0.key) \($0.what)" } }

    @Test func aRunningRunOffersCancelButNotRetryOrEdit() {
        var d = runningDriver()
        #expect(Self.bar(d).contains("c cancel"))
        #expect(!Self.bar(d).contains("r retry") && !Self.bar(d).contains("e edit"))
        #expect(d.keys(.char("r")).isEmpty)
        #expect(d.state.notice == "the run is still going: cancel it (c) before retrying")
    }

    @Test func aCompletedRunOffersNeitherCancelNorRetry() {
        var d = runningDriver()
        d.send(.run(1, .completed(RunSummary(status: .done, recordsRead: 8000, counters: SDKCounters(), seconds: 1, state: [:]))))
        #expect(!Self.bar(d).contains("c cancel") && !Self.bar(d).contains("r retry") && !Self.bar(d).contains("e edit"))
        d.keys(.char("c"))
        #expect(d.state.overlay == nil)
        #expect(d.state.notice == "the run is not running")
        d.keys(.char("r"))
        #expect(d.state.notice?.hasPrefix("the run completed") == true)
    }

    @Test func aFailedRunOffersRetryOrEditAsTheErrorAllows() {
        var transient = runningDriver()
        transient.send(.run(1, .failed(PanoplyError(.transient, "connection reset"))))
        #expect(Self.bar(transient).contains("r retry") && !Self.bar(transient).contains("e edit"))
        #expect(!Self.bar(transient).contains("c cancel"))
        transient.keys(.char("e"))
        #expect(transient.state.notice?.hasPrefix("e edits the source after a config") == true)

        var config = runningDriver()
        config.send(.run(1, .failed(PanoplyError.config("rows must be a number"))))
        #expect(Self.bar(config).contains("e edit") && !Self.bar(config).contains("r retry"))
        #expect(config.keys(.char("r")).isEmpty)
        #expect(config.state.notice?.contains("no retry fixes it") == true)
    }
}
