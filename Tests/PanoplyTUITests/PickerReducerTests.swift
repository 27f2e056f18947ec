import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUICore

/// A state with the shop source's form open (host filled in when `host` is given), the
/// focus on its Tables field.
func shopFormDriver(host: String? = "db.local", tables: String = "", width: Int = 80, height: Int = 24) -> Driver {
    var s = AppState(types: [ShopSource.info], destination: DestinationSettings(kind: .outbox, outbox: "./panoply-outbox"))
    s.width = width
    s.height = height
    var form = FormState.source(
        ShopSource.info, values: ["host": host ?? "", "password": "s3cret-pw", "tables": tables],
        table: "", savedName: nil, defaultName: "Shop DB")
    form.focus = 2
    s.screen = .form(form)
    return Driver(s)
}

/// The shop form with its picker open and the values loaded.
func loadedPickerDriver(tables: String = "", width: Int = 80, height: Int = 24) -> Driver {
    var d = shopFormDriver(tables: tables, width: width, height: height)
    d.keys(.enter)
    let id = d.picker?.request?.id ?? 0
    d.send(.valuesLoaded(requestID: id, values: ShopSource.valueList, resources: ShopSource.resourceList))
    return d
}

extension Driver {
    var picker: PickerState? {
        if case .picker(let p) = state.overlay { return p }
        return nil
    }
}

@Suite("The list-field picker")
struct PickerReducerTests {
    @Test("Enter on a list field whose dependencies are empty says what to fill in, and loads nothing")
    func missingDependencies() {
        var d = shopFormDriver(host: nil)
        let fx = d.keys(.enter)
        #expect(fx.isEmpty)
        #expect(d.picker == nil)
        #expect(d.form?.errors["tables"] == "to list Tables, first: Host is required")
    }

    @Test("Enter or Space on a filled-in list field opens the picker and loads its values in the background", arguments: [Key.enter, .char(" ")])
    func opensAndLoads(key: Key) {
        var d = shopFormDriver()
        let fx = d.keys(key)
        let request = ValuesRequest(
            id: 1, type: "shop", param: "tables",
            params: ["host": "db.local", "password": "s3cret-pw", "batch_size": 500, "sslmode": "prefer"])
        #expect(fx == [.loadValues(request)])
        #expect(d.picker?.load == .loading(1))
        #expect(d.form?.value("tables") == "", "Space did not type into the field")
    }

    @Test("the values arrive: listed with the field's earlier values picked; an answer to an old request is ignored")
    func valuesArrive() {
        var d = shopFormDriver(tables: "public.orders, gone.table")
        d.keys(.enter)
        d.send(.valuesLoaded(requestID: 99, values: [ListValue(name: "x", value: "x")], resources: []))
        #expect(d.picker?.load == .loading(1))
        d.send(.valuesLoaded(requestID: 1, values: ShopSource.tables.map { ListValue(name: $0, value: $0) }, resources: []))
        let p = d.picker!
        #expect(p.load == .loaded)
        #expect(p.items.count == 15)
        #expect(p.items.last == PickerItem(value: "gone.table", missing: true))
        #expect(p.picked == ["public.orders", "gone.table"])
    }

    @Test("↑/↓ and j/k move, clamped at the ends; PgDn, End and Home jump")
    func movement() {
        var d = loadedPickerDriver(height: 16)
        d.keys(.up)
        #expect(d.picker?.cursor == 0)
        d.keys(.down, .char("j"), .char("j"), .char("k"))
        #expect(d.picker?.cursor == 2)
        d.keys(.end)
        #expect(d.picker?.cursor == 13)
        d.keys(.down)
        #expect(d.picker?.cursor == 13)
        d.keys(.home, .pageDown)
        #expect(d.picker?.cursor == PickerLayout(width: 80, height: 16).listRows)
        d.keys(.pageUp)
        #expect(d.picker?.cursor == 0)
    }

    @Test("Space picks and unpicks the item under the cursor")
    func spaceToggles() {
        var d = loadedPickerDriver()
        d.keys(.down, .down)  // natural order: audit.log, public.big, public.customers, ...
        d.keys(.char(" "))
        #expect(d.picker?.picked == ["public.customers"])
        d.keys(.char(" "))
        #expect(d.picker?.picked == [])
    }

    @Test("an unavailable item cannot be picked, and says so")
    func unavailableItem() {
        var d = loadedPickerDriver()
        #expect(d.picker?.current?.value == "audit.log", "first in natural order")
        d.keys(.char(" "))
        #expect(d.picker?.picked == [])
        #expect(d.picker?.message == "audit.log is not available")
    }

    @Test("picking an item also picks what it requires")
    func requiresArePickedAlong() {
        var d = loadedPickerDriver()
        for _ in 0..<7 { d.keys(.down) }
        #expect(d.picker?.current?.value == "public.order_items")
        d.keys(.char(" "))
        #expect(d.picker?.picked == ["public.order_items", "public.orders"])
        #expect(d.picker?.message == "also picked (required): public.orders")
    }

    @Test("a picks every available shown item, and a again unpicks them")
    func toggleAll() {
        var d = loadedPickerDriver()
        d.keys(.char("a"))
        #expect(d.picker?.picked.count == 13)
        #expect(d.picker?.picked.contains("audit.log") == false)
        d.keys(.char("a"))
        #expect(d.picker?.picked == [])
    }

    @Test("/ filters: typing narrows, Enter keeps the filter with the cursor on the first match, a picks only matches")
    func filterKept() {
        var d = loadedPickerDriver()
        d.keys(.down, .down, .down, .char("/"))
        d.type("sales")
        #expect(d.picker?.editingFilter == true)
        #expect(d.picker?.shown.count == 3)
        d.keys(.enter)
        #expect(d.picker?.editingFilter == false)
        #expect(d.picker?.filter == "sales")
        #expect(d.picker?.current?.value == "sales.invoices")
        d.keys(.char("a"))
        #expect(d.picker?.picked == ["sales.invoices", "sales.refunds", "sales.regions"])
    }

    @Test("Esc while typing the filter clears it; Bksp and Ctrl-U edit it; / again starts anew")
    func filterClearedAndRestarted() {
        var d = loadedPickerDriver()
        d.keys(.char("/"))
        d.type("ordx")
        #expect(d.picker?.shown.isEmpty == true)
        d.keys(.backspace)
        #expect(d.picker?.filter == "ord")
        #expect(d.picker?.shown.count == 3)
        d.keys(.escape)
        #expect(d.picker?.filter == "")
        #expect(d.picker?.editingFilter == false)
        #expect(d.picker != nil, "Esc in the filter closes only the filter")
        d.keys(.char("/"))
        d.type("sales")
        d.keys(.enter, .char("/"))
        #expect(d.picker?.filter == "" && d.picker?.editingFilter == true)
        d.type("xyz")
        d.keys(.ctrl("u"))
        #expect(d.picker?.filter == "")
    }

    @Test("Esc on a kept filter clears it; Esc again leaves the field unchanged")
    func escapeLeavesUnchanged() {
        var d = loadedPickerDriver(tables: "public.orders")
        d.keys(.char(" "), .char("/"))
        d.type("sales")
        d.keys(.enter, .escape)
        #expect(d.picker?.filter == "")
        d.keys(.escape)
        #expect(d.picker == nil)
        #expect(d.form?.value("tables") == "public.orders")
    }

    @Test("Enter writes the picked values, comma-separated in list order, into the field")
    func enterConfirms() {
        var d = loadedPickerDriver(tables: "sales.regions")
        d.keys(.down, .down, .char(" "))  // public.customers
        for _ in 0..<7 { d.keys(.down) }
        d.keys(.char(" "))  // public.orders
        d.keys(.enter)
        #expect(d.picker == nil)
        #expect(d.form?.value("tables") == "public.customers, public.orders, sales.regions")
    }

    @Test("Esc while loading cancels the load and closes the picker")
    func escapeCancelsLoading() {
        var d = shopFormDriver()
        d.keys(.enter)
        #expect(d.keys(.escape) == [.cancelLoad(1)])
        #expect(d.picker == nil)
        d.send(.valuesLoaded(requestID: 1, values: [ListValue(name: "late", value: "late")], resources: []))
        #expect(d.state.overlay == nil)
    }

    @Test("a failed load shows the error; r loads again with a new request; keys that need values say why not")
    func failedLoadRetries() {
        var d = shopFormDriver()
        d.keys(.enter)
        d.send(.valuesFailed(requestID: 1, message: "password authentication failed"))
        #expect(d.picker?.load == .failed("password authentication failed"))
        d.keys(.enter)
        #expect(d.picker?.message == "the values did not load: r tries again, Esc leaves")
        let fx = d.keys(.char("r"))
        guard case .loadValues(let request) = fx.first else {
            Issue.record("r did not load again: \(fx)")
            return
        }
        #expect(request.id == 2 && request.param == "tables")
        #expect(d.picker?.load == .loading(2))
        d.keys(.char(" "))
        #expect(d.picker?.message == "wait for the values to load (Esc cancels)")
    }

    @Test("a list with static choices opens loaded, with nothing to compute")
    func staticChoices() {
        let info = SourceTypeInfo(
            type: "fixed",
            configuration: SourceConfiguration(
                title: "Fixed",
                params: [
                    SourceParam("colors", title: "Colors", kind: .list, choices: ["red", "green", "blue"])
                ]))
        var s = AppState(types: [info], destination: DestinationSettings(kind: .outbox, outbox: "./o"))
        s.screen = .form(FormState.source(info, values: [:], table: "", savedName: nil))
        var d = Driver(s)
        #expect(d.keys(.char(" ")).isEmpty)
        #expect(d.picker?.items.map(\.value) == ["red", "green", "blue"])
        d.keys(.down, .char(" "), .enter)
        #expect(d.form?.value("colors") == "green")
        #expect(d.keys(.char(" "), .char("r")).isEmpty)
    }

    @Test("the side pane's fields come from the resource under the cursor")
    func sidePaneFields() {
        let d = loadedPickerDriver()
        #expect(d.picker?.resources[d.picker?.current?.value ?? ""]?.fields.map(\.name) == ["id", "name", "updated_at"])
    }
}

@Suite("Advanced form fields")
struct AdvancedFieldsTests {
    @Test("advanced fields are folded away: Tab skips them until Ctrl-O shows them, and Ctrl-O folds them again")
    func foldedUntilAsked() {
        var d = shopFormDriver()
        d.keys(.tab)
        #expect(d.form?.focused?.name == FormState.tableField)
        #expect(d.form?.hiddenCount == 2)
        d.keys(.backTab, .ctrl("o"), .tab)
        #expect(d.form?.focused?.name == "batch_size")
        #expect(d.form?.hiddenCount == 0)
        d.keys(.ctrl("o"))
        #expect(d.form?.focused?.name == "tables", "folding moves the focus off the advanced field")
        #expect(render(d.state, width: 80, height: 24).text.contains("2 advanced fields folded away · Ctrl-O shows them"))
    }

    @Test("an advanced field with an error shows, so the focus can go to it")
    func errorsShow() {
        var d = shopFormDriver(tables: "public.orders")
        d.state.screen = {
            guard case .form(var f) = d.state.screen else { return d.state.screen }
            f.setValue("batch_size", "many")
            return .form(f)
        }()
        d.keys(.ctrl("s"))
        #expect(d.form?.focused?.name == "batch_size")
        #expect(d.form?.isShown(3) == true)
        #expect(render(d.state, width: 80, height: 24).text.contains("Batch size must be a number"))
    }
}
