import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUICore

extension Driver {
    var preview: PreviewState? {
        if case .preview(let v) = state.overlay { return v }
        return nil
    }
}

/// Records of public.customers as a preview shows them: 30 rows, email hashed.
func customerRecords(_ n: Int = 30) -> [PreviewRecord] {
    (1...n).map { i in
        PreviewRecord(
            resource: "public.customers",
            values: [
                "id": .number(JSONNumber(i)), "name": .string("customer \(i)"),
                "email": .string(FieldHash(salt: nil).hash(.string("c\(i)@example.com")).stringValue ?? ""),
                "fullname": .string("Customer Number \(i)"), "notes": .string("line one\nline two"), "active": .bool(i % 2 == 0),
                "tags": .array([.string("a"), .string("b")]), "updated_at": .string("2026-12-0\(i % 9 + 1)T08:00:00Z")
            ])
    }
}

/// The customers picker with email hashed and ssn excluded, `p` pressed on public.customers.
func previewDriver(width: Int = 80, height: Int = 24) -> Driver {
    var d = customersPickerDriver(width: width, height: height)
    d.keys(.tab, .down, .down, .char("#"), .down, .char("x"), .tab, .char("p"))
    return d
}

@Suite("The preview overlay")
struct PreviewReducerTests {
    @Test("p in the picker previews the resource under the cursor with the pane's field settings, in the background")
    func pInThePicker() {
        var d = customersPickerDriver()
        d.keys(.tab, .down, .down, .char("#"), .tab)
        let fx = d.keys(.char("p"))
        let settings = FieldSettings(resources: ["public.customers": ResourceFields(hash: ["email"])])
        let request = PreviewRequest(
            id: 2, type: "shop", params: ["host": "db.local", "password": "s3cret-pw", "batch_size": 500, "sslmode": "prefer"],
            resources: ["public.customers"], fields: settings)
        #expect(fx == [.preview(request)])
        #expect(d.preview?.load == .loading(2))
        #expect(d.preview?.title == "public.customers")
        #expect(d.state.keyScopes == [.preview])
    }

    @Test("p in the fields pane previews the pane's resource")
    func pInThePane() {
        var d = customersPickerDriver()
        d.keys(.tab)
        let fx = d.keys(.char("p"))
        guard case .preview(let request)? = fx.first else {
            Issue.record("no preview effect: \(fx)")
            return
        }
        #expect(request.resources == ["public.customers"])
    }

    @Test("p on an unavailable resource, or before the values load, says why and reads nothing")
    func pRefused() {
        var d = customersPickerDriver()
        d.keys(.char("g"))  // audit.log
        #expect(d.keys(.char("p")).isEmpty)
        #expect(d.picker?.message == "audit.log is not available: nothing to preview")
        d = shopFormDriver()
        d.keys(.enter)
        #expect(d.keys(.char("p")).isEmpty)
        #expect(d.picker?.message == "wait for the values to load (Esc cancels)")
    }

    @Test("the records arrive: columns in the order met, hashed ones marked, an answer to another request ignored")
    func recordsArrive() {
        var d = previewDriver()
        d.send(.previewLoaded(requestID: 99, records: []))
        #expect(d.preview?.load == .loading(2))
        d.send(.previewLoaded(requestID: 2, records: customerRecords()))
        let v = d.preview!
        #expect(v.load == .loaded)
        #expect(v.columns == ["id", "name", "email", "fullname", "notes", "active", "tags", "updated_at"])
        #expect(v.hashed == ["email"])
        #expect(v.cell(0, "notes") == "line one⏎line two")
        #expect(v.cell(0, "tags") == #"["a","b"]"#)
        #expect(v.cell(0, "email") == FieldHash(salt: nil).hash(.string("c1@example.com")).stringValue)
    }

    @Test("←/→ scroll the columns, ↑/↓ and PgUp/PgDn the rows, clamped; g and G jump")
    func scrolling() {
        var d = previewDriver(height: 24)
        d.keys(.right)
        #expect(d.preview?.left == 0, "nothing to scroll while loading")
        d.send(.previewLoaded(requestID: 2, records: customerRecords()))
        d.keys(.right, .char("l"))
        #expect(d.preview?.left == 2)
        d.keys(.left, .left, .left)
        #expect(d.preview?.left == 0)
        for _ in 0..<20 { d.keys(.right) }
        #expect(d.preview?.left == 7, "the last column can be the first shown")
        let rows = PickerLayout(width: 80, height: 24).previewRows
        d.keys(.down, .char("j"))
        #expect(d.preview?.top == 2)
        d.keys(.pageDown, .pageDown)
        #expect(d.preview?.top == 30 - rows, "the last page stays full")
        d.keys(.char("g"))
        #expect(d.preview?.top == 0)
        d.keys(.char("G"))
        #expect(d.preview?.top == 30 - rows)
        d.keys(.up, .pageUp, .pageUp)
        #expect(d.preview?.top == 0)
    }

    @Test("Esc while reading cancels it and goes back to the picker as it was; Esc on the table closes it")
    func escape() {
        var d = previewDriver()
        let before = d.preview?.picker
        let fx = d.keys(.escape)
        #expect(fx == [.cancelPreview(2)])
        #expect(d.picker == before)
        #expect(d.picker?.settings.resources["public.customers"] == ResourceFields(exclude: ["ssn"], hash: ["email"]))
        d.keys(.char("p"))
        d.send(.previewLoaded(requestID: 3, records: customerRecords()))
        #expect(d.keys(.escape).isEmpty)
        #expect(d.picker != nil)
    }

    @Test("a failed preview says why; Esc closes it")
    func failed() {
        var d = previewDriver()
        d.send(.previewFailed(requestID: 2, message: "permission denied for table customers"))
        #expect(d.preview?.load == .failed("permission denied for table customers"))
        d.keys(.down)
        #expect(d.state.notice == "nothing to scroll: Esc closes")
        d.keys(.escape)
        #expect(d.picker != nil)
    }

    @Test("Ctrl-P in a form previews the source with its field settings; invalid params are marked instead")
    func ctrlPInTheForm() {
        var d = customersPickerDriver()
        d.keys(.tab, .down, .down, .char("#"), .tab, .enter)
        let fx = d.keys(.ctrl("p"))
        guard case .preview(let request)? = fx.first else {
            Issue.record("no preview effect: \(fx)")
            return
        }
        #expect(request.resources.isEmpty)
        #expect(request.params["tables"] == .array([.string("public.customers")]))
        #expect(request.fields == FieldSettings(resources: ["public.customers": ResourceFields(hash: ["email"])]))
        #expect(d.preview?.picker == nil)
        d.keys(.escape)
        #expect(d.state.overlay == nil)
        #expect(d.form != nil)
        d = shopFormDriver(host: nil)
        #expect(d.keys(.ctrl("p")).isEmpty)
        #expect(d.form?.errors["host"] == "Host is required")
        #expect(d.form?.formError == "fix the marked fields before previewing")
    }
}
