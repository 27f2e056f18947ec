import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// Saved sources have names: set in the form, renamed with `n`, duplicated with `D`.
@Suite struct NamedSourceTests {
    let saved = [
        SavedSource(name: "Demo", type: "demo", values: ["rows": "50"], table: "t1", lastStatus: .done),
        SavedSource(name: "Nightly", type: "demo", values: [:])
    ]

    /// The driver with the form of the demo type open (the first type entry).
    func newForm(_ saved: [SavedSource]) -> Driver {
        var d = Driver(makeState(saved: saved))
        d.state.selection = saved.count
        d.keys(.enter)
        return d
    }

    func focusName(_ d: inout Driver) {
        while d.form?.focused?.name != FormState.nameField { d.keys(.tab) }
    }

    @Test func aNewFormsNameDefaultsToTheTypesTitleMadeUnique() throws {
        var d = newForm(saved)
        let name = try #require(d.form?.fields.first { $0.name == FormState.nameField })
        #expect(name.value.isEmpty)
        #expect(name.placeholder == "Demo 2")
        d.keys(.ctrl("s"))
        #expect(d.state.saved.map(\.name) == ["Demo", "Nightly", "Demo 2"])
        #expect(d.run?.title == "Demo 2")
    }

    @Test func aTypedNameNamesTheSavedSourceAndItsRun() {
        var d = newForm(saved)
        focusName(&d)
        d.type("  Orders ")
        d.keys(.ctrl("s"))
        #expect(d.state.saved.last?.name == "Orders")
        #expect(d.run?.request.sourceName == "Orders")
    }

    @Test func aNameAnotherSourceHasIsAnErrorOnTheNameField() {
        var d = newForm(saved)
        focusName(&d)
        d.type("Nightly")
        #expect(d.keys(.ctrl("s")).isEmpty)
        #expect(d.form?.errors[FormState.nameField] == "another saved source is named Nightly: choose another name")
        #expect(d.form?.focused?.name == FormState.nameField)
        #expect(d.state.saved == saved)
    }

    @Test func changingTheNameInASavedSourcesFormRenamesIt() {
        var d = Driver(makeState(saved: saved))
        d.keys(.enter)
        focusName(&d)
        d.keys(.ctrl("u"))
        d.type("Weekly")
        let fx = d.keys(.ctrl("s"))
        #expect(d.state.saved.map(\.name) == ["Weekly", "Nightly"])
        #expect(d.state.saved[0].table == "t1")
        #expect(fx.contains(.renameState(from: "Demo", to: "Weekly")))
        #expect(d.state.latestRun["Weekly"] == d.runID)
    }

    @Test func nOpensTheRenameModalAndEnterRenamesTheSourceAndItsStateFile() {
        var d = Driver(makeState(saved: saved))
        d.keys(.char("n"))
        #expect(d.state.overlay == .rename(RenameEdit(original: "Demo")))
        d.keys(.backspace, .backspace, .backspace, .backspace)
        d.type("Orders")
        let fx = d.keys(.enter)
        #expect(d.state.saved.map(\.name) == ["Orders", "Nightly"])
        #expect(fx == [.saveSources(d.state.saved), .renameState(from: "Demo", to: "Orders")])
        #expect(d.state.overlay == nil)
        #expect(d.state.notice == "renamed Demo to Orders")
    }

    @Test func aRetryAfterARenameRunsAndRecordsUnderTheNewName() {
        var d = Driver(makeState(saved: saved))
        d.keys(.enter, .ctrl("s"))
        d.send(.run(1, .failed(PanoplyError(.internal, "boom"))))
        d.keys(.escape, .char("n"), .ctrl("u"))
        d.type("Orders")
        d.keys(.enter)
        let fx = d.keys(.char("r"))
        guard case .startRun(let request) = fx.last else { Issue.record("no retry: \(fx)"); return }
        #expect(request.sourceName == "Orders")
        d.send(.run(request.id, .cancelled))
        #expect(d.state.saved.first { $0.name == "Orders" }?.lastStatus == .cancelled)
    }

    @Test func renamingToATakenOrEmptyNameStaysInTheModalWithTheReason() {
        var d = Driver(makeState(saved: saved))
        d.keys(.char("n"), .ctrl("u"))
        #expect(d.keys(.enter).isEmpty)
        guard case .rename(let edit) = d.state.overlay else { Issue.record("the modal closed"); return }
        #expect(edit.error == "a name is required")
        d.type("Nightly")
        #expect(d.keys(.enter).isEmpty)
        guard case .rename(let edit2) = d.state.overlay else { Issue.record("the modal closed"); return }
        #expect(edit2.error == "another saved source is named Nightly: choose another name")
        #expect(d.state.saved == saved)
    }

    @Test func escInTheRenameModalKeepsTheName() {
        var d = Driver(makeState(saved: saved))
        d.keys(.char("n"), .char("x"), .escape)
        #expect(d.state.overlay == nil)
        #expect(d.state.saved == saved)
    }

    @Test func aRunningSourceIsNotRenamed() {
        var d = Driver(makeState(saved: saved))
        d.keys(.enter, .ctrl("s"), .escape)
        d.state.selection = 0
        d.keys(.char("n"))
        #expect(d.state.overlay == nil)
        #expect(d.state.notice == "Demo is running: rename it when it ends")
    }

    @Test func capitalDDuplicatesASavedSourceAsACopyWithAUniqueName() {
        var d = Driver(makeState(saved: saved))
        let fx = d.keys(.char("D"))
        d.state.selection = 0
        d.keys(.char("D"))
        #expect(d.state.saved.map(\.name) == ["Demo", "Demo copy 2", "Demo copy", "Nightly"])
        #expect(d.state.saved[2].values == saved[0].values && d.state.saved[2].table == "t1")
        #expect(d.state.saved[2].lastStatus == nil)
        #expect(fx.count == 1)
        #expect(d.state.selection == 1)
    }

    @Test(arguments: [Key.char("n"), .char("D")])
    func renameAndDuplicateOnASourceTypeSaySo(key: Key) {
        var d = Driver(makeState(saved: saved))
        d.state.selection = 2
        #expect(d.keys(key).isEmpty)
        #expect(d.state.overlay == nil)
        #expect(d.state.notice?.hasPrefix("only saved sources") == true)
    }

    @Test("renamed and duplicated sources come back from the config store, and the state file follows a rename")
    func configStoreRoundTrip() throws {
        let store = FolderWorkspace(directory: try temporaryDirectory().path)
        var d = Driver(makeState(saved: saved))
        d.keys(.char("D"))
        d.state.selection = 0
        d.keys(.char("n"), .ctrl("u"))
        d.type("Orders")
        d.keys(.enter)
        try store.saveSources(d.state.saved)
        #expect(try store.loadSources().map(\.withoutID) == d.state.saved)
        #expect(try store.loadSources().map(\.name) == ["Orders", "Demo copy", "Nightly"])

        try FileManager.default.createDirectory(
            atPath: (store.stateFile(for: "Demo") as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try Data("{\"demo\":{}}".utf8).write(to: URL(fileURLWithPath: store.stateFile(for: "Demo")))
        try store.renameState(from: "Demo", to: "Orders")
        #expect(!FileManager.default.fileExists(atPath: store.stateFile(for: "Demo")))
        #expect(FileManager.default.contents(atPath: store.stateFile(for: "Orders")) == Data("{\"demo\":{}}".utf8))
        try store.deleteState(of: "Orders")
        #expect(!FileManager.default.fileExists(atPath: store.stateFile(for: "Orders")))
        try store.deleteState(of: "Orders")
    }
}
