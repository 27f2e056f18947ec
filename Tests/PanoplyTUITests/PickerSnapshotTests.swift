import Testing

@testable import PanoplyKit
@testable import PanoplyTUICore

/// The states of #13's golden frames: the list-field picker and the resources table.
enum ResourceScene: String, CaseIterable {
    case pickerLoaded, pickerFilter, pickerLoading, pickerFailed, advancedForm, resources, resourcesDone

    func driver(width: Int, height: Int) -> Driver {
        switch self {
        case .pickerLoaded:
            // order_items picked (orders along, as it requires it); the cursor on it.
            var d = loadedPickerDriver(tables: "sales.regions", width: width, height: height)
            for _ in 0..<7 { d.keys(.down) }  // natural order: order_items is the 8th
            d.keys(.char(" "))
            return d
        case .pickerFilter:
            var d = loadedPickerDriver(width: width, height: height)
            d.keys(.char("/"))
            d.type("order")
            d.keys(.down)
            return d
        case .pickerLoading:
            var d = shopFormDriver(tables: "public.orders", width: width, height: height)
            d.keys(.enter)
            d.send(.tick(0.3))
            return d
        case .pickerFailed:
            var d = shopFormDriver(width: width, height: height)
            d.keys(.enter)
            d.send(
                .valuesFailed(
                    requestID: 1, message: "password authentication failed for user \"shop\" (check the password; the server at db.local:5432 refused it)"))
            return d
        case .advancedForm:
            return shopFormDriver(tables: "public.orders, public.customers", width: width, height: height)
        case .resources:
            return resourcesDriver(width: width, height: height, finished: false)
        case .resourcesDone:
            return resourcesDriver(width: width, height: height, finished: true)
        }
    }
}

/// A shop run over 12 tables: 5 done, one failed, one reading, the rest waiting (or,
/// `finished`, all ended).
func resourcesDriver(width: Int = 80, height: Int = 24, finished: Bool) -> Driver {
    let tables = Array(ShopSource.tables.filter { $0 != "audit.log" }.prefix(12))
    var d = shopFormDriver(tables: tables.joined(separator: ", "), width: width, height: height)
    d.keys(.ctrl("s"))
    d.send(.run(1, .started(attempt: 1, resumedFrom: nil)))
    for t in tables { d.send(.run(1, .resource(ResourceProgress(id: t, status: .waiting)))) }
    var state: JSONObject = ["__params": ["host": "db.local"]]
    for (i, t) in tables.enumerated() {
        let ends = finished || i < 6
        let rows = (i + 1) * 1000
        guard ends || i == 6 else { continue }
        d.send(.tick(Double(i)), .run(1, .resource(ResourceProgress(id: t, status: .reading, loaded: 0, total: rows))))
        if i == 6, !finished {
            d.send(
                .tick(Double(i) + 0.5), .run(1, .resource(ResourceProgress(id: t, status: .reading, loaded: rows / 4, total: rows))),
                .tick(Double(i) + 1.5),
                .run(1, .resource(ResourceProgress(id: t, status: .reading, loaded: rows / 2, total: rows, message: "\(rows / 2)/\(rows) rows"))))
        }
        guard ends else { continue }
        let failed = i == 3
        d.send(
            .tick(Double(i) + 0.8),
            .run(
                1,
                .resource(
                    ResourceProgress(
                        id: t, status: failed ? .failed : .done, loaded: failed ? 120 : rows, total: rows,
                        error: failed ? PanoplyError(.auth, "permission denied for table products") : nil))))
        if !failed { state[t] = ["last_id": .number(JSONNumber(rows))] }
    }
    d.send(.run(1, .state(state)), .run(1, .progress(loaded: 21_620, total: 78_000, message: "")))
    if finished {
        d.send(.tick(13), .run(1, .failed(PanoplyError(.internal, "1 resource failed: public.products (permission denied for table products)"))))
    }
    return d
}

@Suite struct PickerSnapshotTests {
    @Test(arguments: ResourceScene.allCases, [(80, 24), (120, 40)])
    func everyResourceScreenMatchesItsGoldenFrame(scene: ResourceScene, size: (Int, Int)) {
        let d = scene.driver(width: size.0, height: size.1)
        assertSnapshot(render(d.state, width: size.0, height: size.1), named: "\(scene.rawValue).\(size.0)x\(size.1)")
    }

    @Test("the picker's help bar comes from the key map: its keys, then the filter's while typing")
    func pickerHelpBar() {
        var d = loadedPickerDriver()
        // The cursor is on audit.log, which cannot be read: p (preview) is not offered.
        #expect(helpBarItems(d.state).map(\.what) == ["move", "pick", "all", "filter", "done", "cancel", "reload", "fields"])
        d.keys(.char("/"))
        #expect(helpBarItems(d.state).map(\.what) == ["keep filter", "clear filter"])
        let bar = render(d.state, width: 80, height: 24).line(23)
        #expect(bar.contains("Enter keep filter") && bar.contains("Esc clear filter"))
    }

    @Test("a list field's help bar offers the picker")
    func listFieldHelpBar() {
        let d = shopFormDriver()
        #expect(render(d.state, width: 80, height: 24).line(23).contains("Enter pick"))
    }

    @Test("the focused field keeps its › marker, on a list field and with the picker closed again")
    func focusedFieldMarker() {
        var d = shopFormDriver()
        #expect(render(d.state, width: 80, height: 24).line(7).hasPrefix("  › Tables"))
        d.keys(.enter, .escape)
        #expect(render(d.state, width: 80, height: 24).line(7).hasPrefix("  › Tables"))
        d.keys(.tab)
        #expect(!render(d.state, width: 80, height: 24).line(7).contains("›"))
    }

    @Test("the spinner turns with the ticks while the values load")
    func spinnerTurns() {
        var d = shopFormDriver()
        d.keys(.enter)
        let first = render(d.state, width: 80, height: 24).text
        d.send(.tick(0.5))
        let later = render(d.state, width: 80, height: 24).text
        #expect(first.contains("⠋ loading Tables"))
        #expect(later.contains("⠼ loading Tables"))
    }
}
