import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

@Suite struct ListReducerTests {
    let saved = [
        SavedSource(name: "Demo", type: "demo", values: ["rows": "50"]),
        SavedSource(name: "Demo 2", type: "demo", values: [:], lastStatus: .failed)
    ]

    @Test(arguments: [
        (Key.down, 1), (.char("j"), 1), (.up, 0), (.char("k"), 0), (.end, 3), (.char("G"), 3),
        (.home, 0), (.char("g"), 0), (.pageDown, 3), (.pageUp, 0)
    ])
    func movingKeysMoveTheSelectionWithinTheList(key: Key, expected: Int) {
        var d = Driver(makeState(saved: saved))
        d.state.selection = key == .up || key == .char("k") || key == .home || key == .char("g") || key == .pageUp ? 1 : 0
        d.keys(key)
        #expect(d.state.selection == expected)
    }

    @Test func movingStopsAtBothEnds() {
        var d = Driver()
        d.keys(.up, .up)
        #expect(d.state.selection == 0)
        d.keys(.down, .down, .down, .down)
        #expect(d.state.selection == d.state.listEntries.count - 1)
    }

    @Test func enterOnASourceTypeOpensAnEmptyFormForIt() {
        var d = Driver()
        d.keys(.enter)
        #expect(d.form?.purpose == .source(type: "demo", savedName: nil))
        #expect(d.form?.value("rows") == "")
        #expect(d.form?.value("fail_mode") == "retryable")
    }

    @Test func enterOnASavedSourceOpensItsFormPrefilled() {
        var d = Driver(makeState(saved: saved))
        d.keys(.enter)
        #expect(d.form?.purpose == .source(type: "demo", savedName: "Demo"))
        #expect(d.form?.value("rows") == "50")
    }

    @Test(arguments: [Key.char("d"), .enter])
    func dOrEnterOnTheDestinationOpensTheDestinationForm(key: Key) {
        var d = Driver()
        if key == .enter { d.keys(.end) }
        d.keys(key)
        #expect(d.form?.purpose == .destination)
        #expect(d.form?.value("outbox") == "./panoply-outbox")
    }

    @Test(arguments: [Key.char("v"), .right, .char("l")])
    func viewKeysShowTheLatestRunOrSayThereIsNone(key: Key) {
        var d = Driver(makeState(saved: saved))
        d.keys(key)
        #expect(d.state.screen == .list)
        #expect(d.state.notice?.contains("has not run yet") == true)
        d.keys(.enter, .ctrl("s"), .escape)
        d.state.selection = 0
        d.keys(key)
        #expect(d.runID == 1)
    }

    @Test func rRetriesASavedSourceThatFailedInAnEarlierSessionFromItsStateFile() {
        var d = Driver(makeState(saved: saved))
        d.keys(.down)
        let fx = d.keys(.char("r"))
        guard case .startRun(let request) = fx.last else { Issue.record("no run started: \(fx)"); return }
        #expect(request.resumeFromFile)
        #expect(request.attempt == 2)
        #expect(d.runID == request.id)
    }

    @Test func rOnASourceThatNeverRanSaysSo() {
        var d = Driver(makeState(saved: saved))
        #expect(d.keys(.char("r")).isEmpty)
        #expect(d.state.notice != nil)
    }

    @Test(arguments: [Key.char("x"), .delete])
    func deleteKeysAskFirstAndChangeNothing(key: Key) {
        var d = Driver(makeState(saved: saved))
        #expect(d.keys(key).isEmpty)
        #expect(d.state.overlay == .confirmDelete("Demo"))
        #expect(d.state.saved == saved)
    }

    @Test func yDeletesTheSourceThenAsksAboutItsStateAndYRemovesIt() {
        var d = Driver(makeState(saved: saved))
        d.keys(.char("x"))
        let fx = d.keys(.char("y"))
        #expect(d.state.saved.map(\.name) == ["Demo 2"])
        #expect(fx == [.saveSources(d.state.saved), .deleteHistory(sourceName: "Demo")])
        #expect(d.state.overlay == .confirmDeleteState("Demo"))
        #expect(d.keys(.char("y")) == [.deleteState(sourceName: "Demo")])
        #expect(d.state.overlay == nil)
        #expect(d.state.notice == "deleted Demo and its state")
    }

    @Test(arguments: [Key.char("n"), .escape])
    func nOrEscKeepsTheSource(key: Key) {
        var d = Driver(makeState(saved: saved))
        d.keys(.char("x"))
        #expect(d.keys(key).isEmpty)
        #expect(d.state.saved == saved)
        #expect(d.state.overlay == nil)
        #expect(d.state.notice == "kept Demo")
    }

    @Test(arguments: [Key.char("n"), .escape])
    func nOrEscOnTheSecondQuestionKeepsTheState(key: Key) {
        var d = Driver(makeState(saved: saved))
        d.keys(.char("x"), .char("y"))
        #expect(d.keys(key).isEmpty)
        #expect(d.state.saved.map(\.name) == ["Demo 2"])
        #expect(d.state.overlay == nil)
        #expect(d.state.notice == "deleted Demo; its state is kept")
    }

    @Test func otherKeysLeaveTheDeleteQuestionUp() {
        var d = Driver(makeState(saved: saved))
        d.keys(.char("x"), .char("j"), .enter, .char("q"))
        #expect(d.state.overlay == .confirmDelete("Demo"))
        #expect(d.state.saved == saved)
        #expect(!d.state.quitting)
    }

    @Test func ctrlCQuitsFromTheDeleteQuestionWithoutDeleting() {
        var d = Driver(makeState(saved: saved))
        d.keys(.char("x"))
        #expect(d.keys(.ctrl("c")) == [.quit])
        #expect(d.state.saved == saved)
    }

    @Test func aRunningSourceIsNotDeleted() {
        var d = Driver(makeState(saved: saved))
        d.keys(.enter, .ctrl("s"), .escape)
        d.state.selection = 0
        #expect(d.keys(.char("x")).isEmpty)
        #expect(d.state.overlay == nil)
        #expect(d.state.notice == "Demo is running: cancel it first")
    }

    @Test func questionMarkShowsHelpAndAnyKeyClosesIt() {
        var d = Driver()
        d.keys(.char("?"))
        #expect(d.state.overlay == .help)
        d.keys(.char("j"))
        #expect(d.state.overlay == nil)
        #expect(d.state.selection == 0)
    }

    @Test(arguments: [Key.char("q"), .ctrl("c")])
    func quitKeysQuitAtOnceWhenNothingRuns(key: Key) {
        var d = Driver()
        #expect(d.keys(key) == [.quit])
        #expect(d.state.quitting)
    }

    @Test func qAsksWhileARunIsActiveAndYCancelsItAndQuits() {
        var d = Driver()
        d.keys(.enter, .ctrl("s"), .escape)
        #expect(d.keys(.char("q")).isEmpty)
        #expect(d.state.overlay == .confirmQuit)
        #expect(d.keys(.char("y")) == [.cancelRun(1), .quit])
    }

    @Test func anyOtherKeyDeclinesTheQuitQuestion() {
        var d = Driver()
        d.keys(.enter, .ctrl("s"), .escape, .char("q"))
        #expect(d.keys(.char("n")).isEmpty)
        #expect(d.state.overlay == nil)
        #expect(!d.state.quitting)
    }

    @Test func aTerminateEventCancelsActiveRunsAndQuits() {
        var d = Driver()
        d.keys(.enter, .ctrl("s"))
        #expect(d.send(.terminate) == [.cancelRun(1), .quit])
    }
}
