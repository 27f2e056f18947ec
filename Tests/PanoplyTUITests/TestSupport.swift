import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// A state with the demo source type (only, so frames do not change as connectors are
/// added) and the default outbox.
func makeState(saved: [SavedSource] = [], width: Int = 80, height: Int = 24) -> AppState {
    let types = [SourceTypeInfo(type: DemoSource.type, configuration: DemoSource.configuration)]
    var s = AppState(types: types, saved: saved, destination: DestinationSettings(kind: .outbox, outbox: "./panoply-outbox"))
    s.width = width
    s.height = height
    return s
}

/// Feeds events to the reducer, keeping every effect.
/// With `passChecks` (the default) it answers each ``Effect/checkSource(_:)`` at once as
/// passed and returns what follows instead (the tests of checks turn it off).
struct Driver {
    var state: AppState
    var effects: [Effect] = []
    var passChecks = true

    init(_ state: AppState = makeState(), passChecks: Bool = true) {
        self.state = state
        self.passChecks = passChecks
    }

    @discardableResult
    mutating func send(_ events: AppEvent...) -> [Effect] {
        var out: [Effect] = []
        for e in events {
            let fx = reduce(&state, e)
            for effect in fx {
                guard passChecks, case .checkSource(let request) = effect else {
                    out.append(effect)
                    continue
                }
                let (checked, more) = reduce(state, .checkFinished(request.id, nil))
                state = checked
                out += more
            }
        }
        effects += out
        return out
    }

    @discardableResult
    mutating func keys(_ keys: Key...) -> [Effect] {
        var out: [Effect] = []
        for k in keys { out += send(.key(k)) }
        return out
    }

    @discardableResult
    mutating func type(_ text: String) -> [Effect] {
        var out: [Effect] = []
        for c in text { out += send(.key(.char(c))) }
        return out
    }

    var form: FormState? {
        if case .form(let f) = state.screen { return f }
        return nil
    }

    var runID: RunID? {
        if case .run(let id) = state.screen { return id }
        return nil
    }

    var run: RunState? { runID.flatMap { state.run($0) } }
}

/// Index of the first entry of a kind in the list.
func listIndex(_ state: AppState, _ match: (ListEntry) -> Bool) -> Int {
    state.listEntries.firstIndex(where: match)!
}

/// Compares a frame with `__Snapshots__/<name>.txt`; writes the file when it is missing
/// or `PANOPLY_RECORD_SNAPSHOTS=1` (and fails, so a recorded frame is always looked at).
func assertSnapshot(_ screen: Screen, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("__Snapshots__")
    let file = dir.appendingPathComponent("\(name).txt")
    let actual = screen.text
    let record = ProcessInfo.processInfo.environment["PANOPLY_RECORD_SNAPSHOTS"] == "1"
    if record || !FileManager.default.fileExists(atPath: file.path) {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? actual.write(to: file, atomically: true, encoding: .utf8)
        Issue.record("recorded snapshot \(name); review it and run again", sourceLocation: sourceLocation)
        return
    }
    let expected = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    #expect(actual == expected, "frame \(name) differs from \(file.path)", sourceLocation: sourceLocation)
}
