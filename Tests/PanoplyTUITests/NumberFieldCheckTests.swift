import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// A number field is checked when the focus leaves it, with the message under it.
@Suite struct NumberFieldCheckTests {
    func form(_ d: Driver) -> FormState? {
        if case .form(let f) = d.state.screen { return f }
        return nil
    }

    @Test("Tab off a number field holding no number shows the message at once; fixed, Tab clears it")
    func tabChecksANumberField() {
        var d = Driver()
        d.keys(.enter)
        d.type("many")
        d.keys(.tab)
        #expect(form(d)?.errors["rows"] == "Rows must be a number (got 'many')", "\(String(describing: form(d)?.errors))")
        let frame = render(d.state, width: 80, height: 24)
        #expect(frame.text.contains("must be a number (got 'many')"))
        d.keys(.backTab, .ctrl("u"))
        d.type("500")
        d.keys(.tab)
        #expect(form(d)?.errors["rows"] == nil)
        d.keys(.backTab, .ctrl("u"), .tab)
        #expect(form(d)?.errors["rows"] == nil, "empty means the default")
        d.keys(.backTab)
        d.type("${ROWS}")
        d.keys(.tab)
        #expect(form(d)?.errors["rows"] == nil, "a reference is checked when the run starts")
    }
}
