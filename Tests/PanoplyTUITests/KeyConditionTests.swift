import PanoplyWorkspace
import Testing

@testable import PanoplyKit
@testable import PanoplyTUICore

/// Screens where some keys apply and some do not, for the tables below.
enum KeyScene: String, CaseIterable, CustomTestStringConvertible {
    case typeRow, destinationRow
    /// Orders: two recorded runs, the last done; none in this session.
    case doneSource
    /// Users: failed in an earlier session (no history file kept).
    case failedEarlier
    /// Fresh: never run.
    case neverRun
    /// Fresh, running in this session, back on the list.
    case runningSource
    case runRunning, runCancelling, runFailedTransient, runFailedConfig, runDone
    case historyWithRuns
    case pickerLoading, pickerFailed, pickerFixed

    var testDescription: String { rawValue }

    var state: AppState {
        switch self {
        case .typeRow: Self.list(.type(0))
        case .destinationRow: Self.list(.destination)
        case .doneSource: Self.list(.saved(0))
        case .failedEarlier: Self.list(.saved(1))
        case .neverRun: Self.list(.saved(2))
        case .runningSource:
            Self.drive(Self.list(.saved(2)), .char("F"), .escape)
        case .runRunning: runningDriver().state
        case .runCancelling: Self.drive(runningDriver().state, .char("c"), .char("y"))
        case .runFailedTransient: Self.ended(.failed(PanoplyError(.transient, "connection reset")))
        case .runFailedConfig: Self.ended(.failed(PanoplyError.config("rows must be a number")))
        case .runDone: Self.ended(.completed(RunSummary(status: .done, recordsRead: 8000, counters: SDKCounters(), seconds: 1, state: [:])))
        case .historyWithRuns: Self.drive(historyState(), .char("h"))
        case .pickerLoading: Self.drive(shopFormDriver().state, .enter)
        case .pickerFailed:
            Self.drive(shopFormDriver().state, .enter).sending(.valuesFailed(requestID: 1, message: "connection refused"))
        case .pickerFixed:
            shopFormDriver().state.with(overlay: .picker(PickerState(field: "tables", title: "Tables", load: .loaded, picked: [])))
        }
    }

    /// The list of ``historyState()`` plus Users and Fresh, the cursor on `entry`.
    static func list(_ entry: ListEntry) -> AppState {
        var s = historyState()
        s.saved += [SavedSource(name: "Users", type: "demo", values: [:], lastStatus: .failed), SavedSource(name: "Fresh", type: "demo", values: [:])]
        s.selection = s.listEntries.firstIndex(of: entry) ?? 0
        return s
    }

    static func drive(_ state: AppState, _ keys: Key...) -> AppState {
        var d = Driver(state)
        for k in keys { d.keys(k) }
        return d.state
    }

    static func ended(_ event: RunEvent) -> AppState { runningDriver().state.sending(.run(1, event)) }
}

extension AppState {
    func sending(_ event: AppEvent) -> AppState { reduce(self, event).0 }

    func with(overlay: Overlay) -> AppState {
        var s = self
        s.overlay = overlay
        return s
    }
}

@Suite("Which keys apply now: one function, for dispatch and help")
struct KeyConditionTests {
    typealias Row = (scene: KeyScene, key: Key, expected: KeyAvailability)

    static let rows: [Row] = [
        (.typeRow, .enter, .enabled), (.typeRow, .char("d"), .enabled),
        (.typeRow, .char("v"), .disabled("no run of Demo yet")),
        (.typeRow, .char("r"), .disabled("r retries a saved source's failed run: select one")),
        (.typeRow, .char("h"), .disabled("only saved sources have a history")),
        (.typeRow, .char("x"), .disabled("only saved sources can be deleted")),
        (.typeRow, .delete, .disabled("only saved sources can be deleted")),
        (.typeRow, .char("n"), .disabled("only saved sources can be renamed")),
        (.typeRow, .char("D"), .disabled("only saved sources can be duplicated")),
        (.typeRow, .char("F"), .disabled("F runs a saved source from scratch: select one")),
        (.destinationRow, .char("v"), .disabled("v views a source's latest run: select a source")),
        (.doneSource, .char("v"), .disabled("Orders has not run in this session: h shows its past runs")),
        (.doneSource, .char("r"), .disabled("the last run of Orders completed: Enter opens its form, Ctrl-S runs it again")),
        (.doneSource, .char("h"), .enabled), (.doneSource, .char("x"), .enabled), (.doneSource, .char("n"), .enabled),
        (.doneSource, .char("D"), .enabled), (.doneSource, .char("F"), .enabled),
        (.failedEarlier, .char("r"), .enabled),
        (.failedEarlier, .char("v"), .disabled("Users has not run in this session")),
        (.failedEarlier, .char("h"), .disabled("Users has no run history yet")),
        (.neverRun, .char("v"), .disabled("Fresh has not run yet: Enter opens its form, Ctrl-S starts it")),
        (.neverRun, .char("r"), .disabled("Fresh has no run to retry in this session: Enter opens its form, Ctrl-S starts it")),
        (.neverRun, .char("h"), .disabled("Fresh has no run history yet")),
        (.runningSource, .char("v"), .enabled), (.runningSource, .char("D"), .enabled), (.runningSource, .enter, .enabled),
        (.runningSource, .char("r"), .disabled("the run is still going: cancel it (c) before retrying")),
        (.runningSource, .char("x"), .disabled("Fresh is running: cancel it first")),
        (.runningSource, .char("n"), .disabled("Fresh is running: rename it when it ends")),
        (.runningSource, .char("F"), .disabled("Fresh is already running")),
        (.runningSource, .char("h"), .disabled("Fresh has no finished run yet: v views the one running")),
        (.runRunning, .char("c"), .enabled), (.runRunning, .char("/"), .enabled),
        (.runRunning, .char("r"), .disabled("the run is still going: cancel it (c) before retrying")),
        (.runRunning, .char("e"), .disabled("e edits the source after a config, auth or not-found error; r retries other failures")),
        (.runCancelling, .char("c"), .disabled("already cancelling")),
        (.runFailedTransient, .char("r"), .enabled),
        (.runFailedTransient, .char("c"), .disabled("the run is not running")),
        (.runFailedConfig, .char("e"), .enabled),
        (.runFailedConfig, .char("r"), .disabled("a config error: no retry fixes it; e edits the source")),
        (.runDone, .char("r"), .disabled("the run completed: open its form (Enter on the list) and Ctrl-S to run it again")),
        (.historyWithRuns, .enter, .enabled),
        (.pickerLoading, .char(" "), .disabled("wait for the values to load (Esc cancels)")),
        (.pickerLoading, .enter, .disabled("wait for the values to load (Esc cancels)")),
        (.pickerLoading, .char("r"), .enabled), (.pickerLoading, .escape, .enabled),
        (.pickerFailed, .char("a"), .disabled("the values did not load: r tries again, Esc leaves")),
        (.pickerFixed, .char(" "), .enabled),
        (.pickerFixed, .char("r"), .disabled("these values are fixed: nothing to reload"))
    ]

    @Test("a key applies, or is disabled with its reason", arguments: rows)
    func availabilityOfAKey(row: Row) {
        #expect(row.scene.state.binding(for: row.key)?.availability == row.expected)
    }

    @Test("a disabled key changes nothing but the message", arguments: rows.filter { $0.expected != .enabled })
    func aDisabledKeyOnlySaysWhy(row: Row) {
        guard case .disabled(let reason) = row.expected else { return }
        let before = row.scene.state
        let (after, effects) = reduce(before, .key(row.key))
        var expected = before
        // The picker says it in its own message line; every screen on the notice line.
        if case .picker(var p) = before.overlay {
            p.message = reason
            expected.overlay = .picker(p)
        } else {
            expected.notice = reason
        }
        #expect(effects.isEmpty)
        #expect(after == expected)
    }

    @Test("dispatch finds the same action as the key map for the scopes showing", arguments: KeyScene.allCases)
    func dispatchMatchesTheKeyMap(scene: KeyScene) {
        let s = scene.state
        for key in Set(KeyMap.bindings.flatMap(\.keys)) {
            #expect(s.binding(for: key)?.binding.action == KeyMap.action(for: key, in: s.keyScopes), "\(key) in \(scene)")
        }
    }

    @Test("the help bar offers exactly the enabled keys that have a hint", arguments: KeyScene.allCases)
    func theHelpBarLeavesDisabledKeysOut(scene: KeyScene) {
        let s = scene.state
        let offered = Set(helpBarItems(s).map(\.what))
        for b in s.applicableBindings() {
            guard let hint = b.binding.hint else { continue }
            let sameHintEnabled = s.applicableBindings().contains { $0.isEnabled && $0.binding.hint == hint }
            #expect(offered.contains(hint) == sameHintEnabled, "\(hint) in \(scene)")
        }
    }

    @Test("only the bindings of the scopes showing are listed, each once")
    func applicableBindingsAreTheScreensOwn() {
        let s = KeyScene.runRunning.state
        let listed = s.applicableBindings()
        #expect(listed.allSatisfy { $0.binding.scopes.contains(.run) })
        #expect(listed.count == KeyMap.bindings.filter { $0.scopes.contains(.run) }.count)
    }

    @Test("the ? overlay dims the keys of the screen below that do not apply now")
    func theHelpOverlayDimsDisabledKeys() {
        let s = KeyScene.runRunning.state.with(overlay: .help)
        let screen = render(s, width: 120, height: 40)
        func style(of help: String) -> CellStyle? {
            for y in 0..<screen.height {
                let line = screen.line(y)
                guard let r = line.range(of: help) else { continue }
                return screen[line.distance(from: line.startIndex, to: r.lowerBound), y].style
            }
            return nil
        }
        #expect(style(of: "retry from state") == .dim)
        #expect(style(of: "edit (config error)") == .dim)
        #expect(style(of: "cancel (asks)") == .plain)
        // The list's r is another row: it is not what is disabled here.
        #expect(style(of: "retry failed run") == .plain)
    }
}
