import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

@Suite struct FormReducerTests {
    func openDemo() -> Driver {
        var d = Driver()
        d.keys(.enter)
        return d
    }

    @Test(arguments: [Key.tab, .down, .enter])
    func nextFieldKeysMoveFocusForward(key: Key) {
        var d = openDemo()
        d.keys(key)
        #expect(d.form?.focus == 1)
    }

    @Test(arguments: [Key.backTab, .up])
    func previousFieldKeysMoveFocusBack(key: Key) {
        var d = openDemo()
        d.keys(.tab, .tab, key)
        #expect(d.form?.focus == 1)
        d.keys(key, key)
        #expect(d.form?.focus == 0)
    }

    @Test func typingEditsTheFocusedTextField() {
        var d = openDemo()
        d.type("200j")
        #expect(d.form?.value("rows") == "200j")
        d.keys(.backspace)
        #expect(d.form?.value("rows") == "200")
        d.keys(.ctrl("u"))
        #expect(d.form?.value("rows") == "")
    }

    @Test(arguments: [(Key.char(" "), "fatal"), (.right, "fatal"), (.left, "fatal")])
    func spaceAndArrowsCycleAChoiceField(key: Key, expected: String) {
        var d = openDemo()
        d.keys(.tab, .tab, .tab, .tab)
        #expect(d.form?.focused?.name == "fail_mode")
        d.keys(key)
        #expect(d.form?.value("fail_mode") == expected)
        d.keys(key)
        #expect(d.form?.value("fail_mode") == "retryable")
    }

    @Test func lettersDoNotChangeAChoiceField() {
        var d = openDemo()
        d.keys(.tab, .tab, .tab, .tab)
        d.type("abc")
        #expect(d.form?.value("fail_mode") == "retryable")
    }

    @Test func questionMarkShowsHelpOnAnEmptyFieldAndIsTypedOtherwise() {
        var d = openDemo()
        d.keys(.char("?"))
        #expect(d.state.overlay == .help)
        d.keys(.escape)
        d.type("1?")
        #expect(d.form?.value("rows") == "1?")
    }

    @Test func escapeGoesBackToTheList() {
        var d = openDemo()
        d.keys(.escape)
        #expect(d.state.screen == .list)
    }

    @Test func ctrlSWithInvalidValuesShowsInlineErrorsAndStartsNothing() {
        var d = openDemo()
        d.type("lots")
        d.keys(.tab, .tab, .tab)
        d.type("x")
        let fx = d.keys(.ctrl("s"))
        #expect(fx.isEmpty)
        #expect(d.form?.errors["rows"] == "Rows must be a number (got 'lots')")
        #expect(d.form?.errors["fail_at"] != nil)
        #expect(d.form?.focus == 0)
        #expect(d.form?.formError == "2 fields need fixing")
        d.type("0")
        #expect(d.form?.errors["rows"] == nil)
    }

    @Test func ctrlSWithValidValuesSavesTheSourceAndStartsItsRun() {
        var d = openDemo()
        d.type("20000")
        let fx = d.keys(.ctrl("s"))
        let saved = SavedSource(name: "Demo", type: "demo", values: ["rows": "20000", "fail_mode": "retryable"], table: "")
        #expect(d.state.saved == [saved])
        guard fx.count == 2, case .startRun(let r) = fx[1] else { Issue.record("effects: \(fx)"); return }
        #expect(fx[0] == .saveSources([saved]))
        #expect(r.params["rows"] == 20000)
        #expect(r.params["batch_size"] == 500)
        #expect(r.table == "demo")
        #expect(r.state == nil)
        #expect(d.runID == r.id)
        #expect(d.run?.status == .running)
    }

    @Test func aSecondNewSourceOfATypeGetsANumberedName() {
        var d = openDemo()
        d.keys(.ctrl("s"), .escape, .down, .enter, .ctrl("s"))
        #expect(d.state.saved.map(\.name) == ["Demo", "Demo 2"])
    }

    @Test func aSavedSourceThatIsRunningCannotBeStartedTwice() {
        var d = openDemo()
        d.keys(.ctrl("s"), .escape, .home)
        // Enter opens the run; the form of a running source is still refused a second start.
        d.state.screen = .form(.source(d.state.types[0], values: [:], table: "", savedName: "Demo"))
        #expect(d.keys(.ctrl("s")).isEmpty)
        #expect(d.form?.formError?.contains("already running") == true)
    }

    @Test func theDestinationFormShowsTheFieldsOfTheChosenKind() {
        var d = Driver()
        d.keys(.char("d"), .char(" "))
        #expect(d.form?.value("kind") == "panoply")
        #expect(d.form?.fields.map(\.name) == ["kind", "api_key", "api_secret", "ca_bundle"])
        #expect(d.form?.fields[2].kind == .secret)
        d.keys(.char(" "))
        #expect(d.form?.fields.map(\.name) == ["kind", "endpoint", "api_key", "api_secret", "aws_access_key_id", "aws_secret_access_key", "ca_bundle"])
    }

    @Test func theDestinationIsValidatedAsTheSDKValidatesIt() {
        var d = Driver()
        d.keys(.char("d"), .char(" "), .tab)
        d.type("not-a-key")
        d.keys(.tab)
        d.type("abc")
        #expect(d.keys(.ctrl("s")).isEmpty)
        #expect(d.form?.formError != nil)
        #expect(d.state.destination.kind == .outbox)
    }

    @Test func requiredDestinationFieldsAreMarkedWhenEmpty() {
        var d = Driver()
        d.keys(.char("d"), .char(" "), .ctrl("s"))
        #expect(d.form?.errors["api_key"] == "API key is required")
    }

    @Test func aValidOutboxDestinationIsSavedAndShown() {
        var d = Driver()
        d.keys(.char("d"), .tab, .ctrl("u"))
        d.type("/tmp/elsewhere")
        let fx = d.keys(.ctrl("s"))
        #expect(d.state.destination.outbox == "/tmp/elsewhere")
        #expect(fx == [.saveDestination(d.state.destination)])
        #expect(d.state.screen == .list)
    }
}
