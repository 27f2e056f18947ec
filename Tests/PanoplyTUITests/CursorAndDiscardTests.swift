import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// A state with two source types ("Demo" and "Demo B"), so a source saved from the second
/// one moves the type rows under the cursor.
func twoTypeState(saved: [SavedSource] = []) -> AppState {
    var s = makeState(saved: saved)
    var b = DemoSource.configuration
    b.title = "Demo B"
    s.types.append(SourceTypeInfo(type: "demo_b", configuration: b))
    return s
}

@Suite("The list's cursor follows the source used")
struct ListCursorTests {
    let saved = [
        SavedSource(name: "Alpha", type: "demo", values: [:]),
        SavedSource(name: "Beta", type: "demo", values: [:]),
        SavedSource(name: "Gamma", type: "demo", values: [:])
    ]

    @Test func afterSavingANewSourceAndEscTheCursorIsOnThatSource() {
        var d = Driver(twoTypeState())
        openNewForm(&d, typeIndex: 1)
        d.keys(.ctrl("s"), .escape)
        #expect(d.state.screen == .list)
        #expect(d.state.listEntries[d.state.selection] == .saved(0))
        #expect(d.state.saved[0].name == "Demo B")
    }

    @Test func afterSavingASecondNewSourceTheCursorIsOnTheNewOne() {
        var d = Driver(twoTypeState(saved: saved))
        openNewForm(&d, typeIndex: 0)
        d.keys(.ctrl("s"), .escape)
        #expect(d.state.saved[d.state.selection].name == "Demo")
        #expect(d.state.selection == 3)
    }

    @Test("a new source saved once its check passed gets the cursor, not the row now at the old index")
    func aNewSourceSavedAfterItsCheckGetsTheCursor() {
        var d = Driver(twoTypeState(saved: saved), passChecks: false)
        openNewForm(&d, typeIndex: 1)
        let oldIndex = d.state.selection
        while d.form?.focused?.name != FormState.nameField { d.keys(.tab) }
        // A name that sorts before every saved one.
        d.type("Aardvark")
        guard case .checkSource(let check)? = d.keys(.ctrl("s")).last else {
            Issue.record("Ctrl-S did not check the source first")
            return
        }
        #expect(d.state.saved.count == 3)
        d.send(.checkFinished(check.id, nil))
        d.send(.runStartFailed(1, "the outbox folder cannot be created"))
        d.keys(.escape)
        #expect(d.state.screen == .list)
        #expect(d.state.saved[d.state.selection].name == "Aardvark")
        #expect(d.state.selection != oldIndex)
        #expect(d.state.listEntries[oldIndex] == .type(0))
    }

    @Test func aNewSourceSavedFromTheDiscardQuestionGetsTheCursor() {
        var d = Driver(twoTypeState(saved: saved))
        openNewForm(&d, typeIndex: 0)
        d.type("1234")
        d.keys(.escape, .char("s"), .escape)
        #expect(d.state.saved[d.state.selection].name == "Demo")
    }

    @Test func aRunStartedWithFKeepsTheCursorOnItsSource() {
        var d = Driver(twoTypeState(saved: saved))
        d.state.selection = 1
        d.keys(.char("F"), .escape)
        #expect(d.state.selection == 1)
    }

    @Test func renameKeepsTheCursorOnTheRenamedSource() {
        var d = Driver(twoTypeState(saved: saved))
        d.state.selection = 1
        d.keys(.char("n"), .ctrl("u"))
        d.type("Zeta")
        d.keys(.enter)
        #expect(d.state.saved[d.state.selection].name == "Zeta")
    }

    @Test func duplicatePutsTheCursorOnTheCopy() {
        var d = Driver(twoTypeState(saved: saved))
        d.state.selection = 1
        d.keys(.char("D"))
        #expect(d.state.saved[d.state.selection].name == "Beta copy")
    }

    @Test(arguments: [(1, "Gamma"), (2, "Beta")])
    func deleteMovesTheCursorToANeighbour(index: Int, neighbour: String) {
        var d = Driver(twoTypeState(saved: saved))
        d.state.selection = index
        d.keys(.char("x"), .char("y"), .char("n"))
        #expect(d.state.saved.count == 2)
        #expect(d.state.saved[d.state.selection].name == neighbour)
    }

    @Test func deletingTheLastSavedSourcePutsTheCursorOnTheFirstType() {
        var d = Driver(twoTypeState(saved: [saved[0]]))
        d.keys(.char("x"), .char("y"), .char("n"))
        #expect(d.state.listEntries[d.state.selection] == .type(0))
    }

    @Test func enterOnASourceRunningInThisUIOpensItsRun() {
        var d = Driver(twoTypeState(saved: saved))
        d.keys(.char("F"), .escape)
        d.keys(.enter)
        #expect(d.runID == 1)
        // `c` there asks to cancel; it is not typed into a field.
        d.keys(.char("c"))
        #expect(d.state.overlay == .confirmCancel(1))
    }

    @Test func enterOnASourceWhoseRunEndedOpensItsForm() {
        var d = Driver(twoTypeState(saved: saved))
        d.keys(.char("F"), .escape)
        d.send(.run(1, .failed(PanoplyError(.internal, "boom"))))
        d.keys(.enter)
        #expect(d.form?.purpose == .source(type: "demo", savedName: "Alpha"))
    }
}

@Suite("Esc on a changed form asks first")
struct DiscardQuestionTests {
    func changedDemoForm() -> Driver {
        var d = Driver()
        d.keys(.enter)
        d.type("1234")
        return d
    }

    @Test func escOnAnUnchangedFormLeavesAtOnce() {
        var d = Driver()
        d.keys(.enter, .escape)
        #expect(d.state.screen == .list)
        #expect(d.state.overlay == nil)
    }

    @Test func aValueChangedAndChangedBackCountsAsUnchanged() {
        var d = Driver()
        d.keys(.enter, .char("5"), .backspace, .escape)
        #expect(d.state.screen == .list)
    }

    @Test func escOnAChangedFormAsks() {
        var d = changedDemoForm()
        d.keys(.escape)
        #expect(d.state.overlay == .confirmDiscard)
        #expect(d.form?.value("rows") == "1234")
        #expect(helpBarItems(d.state).map(\.what) == ["discard", "keep editing", "save"])
    }

    @Test func yDiscardsTheChanges() {
        var d = changedDemoForm()
        #expect(d.keys(.escape, .char("y")).isEmpty)
        #expect(d.state.screen == .list)
        #expect(d.state.overlay == nil)
        #expect(d.state.saved.isEmpty)
    }

    @Test(arguments: [Key.char("n"), .escape])
    func nOrEscKeepsEditing(key: Key) {
        var d = changedDemoForm()
        d.keys(.escape, key)
        #expect(d.state.overlay == nil)
        #expect(d.form?.value("rows") == "1234")
        d.type("5")
        #expect(d.form?.value("rows") == "12345")
    }

    @Test func otherKeysLeaveTheQuestionUp() {
        var d = changedDemoForm()
        d.keys(.escape, .char("z"), .tab)
        #expect(d.state.overlay == .confirmDiscard)
        #expect(d.form?.value("rows") == "1234")
    }

    @Test func sSavesAndStartsAsCtrlSDoes() {
        var d = changedDemoForm()
        let fx = d.keys(.escape, .char("s"))
        #expect(
            fx.contains {
                if case .saveSources = $0 { return true }; return false
            })
        #expect(d.state.saved.map(\.name) == ["Demo"])
        #expect(d.runID == 1)
    }

    @Test func sOnAnInvalidFormStaysInTheFormWithItsErrors() {
        var d = Driver()
        d.keys(.enter)
        d.type("many")
        d.keys(.escape, .char("s"))
        #expect(d.state.overlay == nil)
        #expect(d.form?.errors["rows"] != nil)
    }

    @Test func theDestinationFormAsksToo() {
        var d = Driver()
        d.keys(.char("d"), .char(" "), .escape)
        #expect(d.state.overlay == .confirmDiscard)
        d.keys(.char("y"))
        #expect(d.state.screen == .list)
        #expect(d.state.destination.kind == .outbox)
    }
}
