import Testing

@testable import PanoplyKit
@testable import PanoplyTUICore
@testable import PanoplyWorkspace

/// The states of #30's golden frames: the picker's fields pane, its rename modal, the
/// preview overlay, and the settings' summaries in the list, the run view and the history.
enum FieldsScene: String, CaseIterable {
    case fieldsPane, fieldRename, fieldsSummary, fieldsForm, preview, previewScrolled, previewLoading, fieldsRun, fieldsHistory

    func driver(width: Int, height: Int) -> Driver {
        switch self {
        case .fieldsPane:
            // email hashed, ssn excluded, fullname renamed; the cursor on fullname.
            var d = customersPickerDriver(width: width, height: height)
            d.keys(.tab, .down, .down, .char("#"), .down, .char("x"), .down, .char("n"), .ctrl("u"))
            d.type("name_full")
            d.keys(.enter)
            return d
        case .fieldRename:
            var d = customersPickerDriver(width: width, height: height)
            d.keys(.tab, .char("G"), .up, .char("n"), .ctrl("u"))
            d.type("name")
            d.keys(.enter)
            return d
        case .fieldsSummary:
            var d = FieldsScene.fieldsPane.driver(width: width, height: height)
            d.keys(.tab)
            return d
        case .fieldsForm:
            // Back in the form: the Tables field's help says what runs do to the fields.
            var d = FieldsScene.fieldsSummary.driver(width: width, height: height)
            d.keys(.enter)
            return d
        case .preview:
            var d = previewDriver(width: width, height: height)
            d.send(.previewLoaded(requestID: 2, records: customerRecords()))
            return d
        case .previewScrolled:
            var d = FieldsScene.preview.driver(width: width, height: height)
            d.keys(.right, .right, .pageDown)
            return d
        case .previewLoading:
            var d = previewDriver(width: width, height: height)
            d.send(.tick(0.3))
            return d
        case .fieldsRun:
            var d = customersPickerDriver(width: width, height: height)
            d.keys(.tab, .down, .down, .char("#"), .down, .char("x"), .tab, .down, .char(" "), .enter, .ctrl("s"))
            d.send(.run(1, .started(attempt: 1, resumedFrom: nil)))
            d.send(.tick(1), .run(1, .resource(ResourceProgress(id: "public.customers", status: .reading, loaded: 0, total: 500))))
            d.send(.tick(2), .run(1, .resource(ResourceProgress(id: "public.customers", status: .done, loaded: 500, total: 500))))
            d.send(.run(1, .resource(ResourceProgress(id: "public.empty", status: .reading, loaded: 0, total: 10))))
            return d
        case .fieldsHistory:
            var d = FieldsScene.fieldsRun.driver(width: width, height: height)
            d.state.epochOrigin = 1_796_112_000
            d.send(
                .tick(3), .run(1, .resource(ResourceProgress(id: "public.empty", status: .done, loaded: 10, total: 10))),
                .run(1, .completed(RunSummary(status: .done, recordsRead: 510, counters: SDKCounters(), seconds: 2, state: [:]))))
            d.keys(.escape, .char("h"), .enter)
            return d
        }
    }
}

@Suite struct FieldsSnapshotTests {
    @Test(arguments: FieldsScene.allCases, [(80, 24), (120, 40)])
    func everyFieldsScreenMatchesItsGoldenFrame(scene: FieldsScene, size: (Int, Int)) {
        let d = scene.driver(width: size.0, height: size.1)
        assertSnapshot(render(d.state, width: size.0, height: size.1), named: "\(scene.rawValue).\(size.0)x\(size.1)")
    }

    @Test("on a narrow terminal the fields pane takes the list's place")
    func narrowFieldsPane() {
        let d = FieldsScene.fieldsPane.driver(width: 60, height: 16)
        assertSnapshot(render(d.state, width: 60, height: 16), named: "fieldsPane.60x16")
    }

    @Test("the fields pane's help bar: its keys, from the key map")
    func fieldsHelpBar() {
        var d = customersPickerDriver()
        d.keys(.tab)
        #expect(helpBarItems(d.state).map(\.what) == ["exclude", "hash", "rename", "preview", "back", "move"])
        d.keys(.char("n"))
        #expect(helpBarItems(d.state).map(\.what) == ["rename", "keep"])
        d.keys(.escape, .tab, .char("p"))
        #expect(helpBarItems(d.state).map(\.what) == ["close"], "scrolling waits for the records")
        d.send(.previewLoaded(requestID: 2, records: customerRecords()))
        #expect(helpBarItems(d.state).map(\.what) == ["columns", "rows", "close"])
    }

    @Test("the preview's spinner turns with the ticks")
    func spinnerTurns() {
        var d = previewDriver()
        let first = render(d.state, width: 80, height: 24).text
        d.send(.tick(0.5))
        #expect(first.contains("⠋ reading the first records"))
        #expect(render(d.state, width: 80, height: 24).text.contains("⠼ reading the first records"))
    }
}
