import Foundation
import Testing

@testable import PanoplyKit
@testable import PanoplyTUICore

@Suite("The key map")
struct KeyMapTests {
    @Test("every binding has a description, and every bound key one in the overlay")
    func everyBoundKeyHasADescription() {
        for b in KeyMap.bindings {
            #expect(!b.help.trimmingCharacters(in: .whitespaces).isEmpty, "\(b.keys) in \(b.scopes) has no description")
            #expect(!b.keysLabel.isEmpty, "\(b.action) in \(b.scopes) has no keys to show")
        }
        let shown = Set(KeyMap.helpSections.flatMap(\.rows).map(\.keys))
        for b in KeyMap.bindings
        where !b.scopes.contains(.helpOverlay) && !b.scopes.contains(.confirm)
            && !b.scopes.contains(.question)
        {
            #expect(shown.contains(b.keysLabel), "\(b.keysLabel) (\(b.action)) is missing from the ? overlay")
        }
    }

    @Test("no key is bound twice in one scope")
    func noKeyIsBoundTwiceInAScope() {
        for scope in KeyScope.allCases {
            let keys = KeyMap.bindings.filter { $0.scopes.contains(scope) }.flatMap(\.keys)
            #expect(Set(keys).count == keys.count, "\(scope) binds a key twice: \(keys)")
        }
    }

    @Test(
        "the keys DESIGN.md names do what it says",
        arguments: [
            (Key.up, KeyScope.list, KeyAction.up), (.char("k"), .list, .up), (.down, .list, .down), (.char("j"), .list, .down),
            (.enter, .list, .open), (.char("?"), .list, .help), (.char("q"), .list, .quit), (.ctrl("c"), .global, .quit),
            (.tab, .form, .nextField), (.backTab, .form, .previousField), (.ctrl("s"), .sourceForm, .submit),
            (.char("c"), .run, .cancelRun), (.char("r"), .run, .retry), (.char("/"), .run, .filter), (.escape, .run, .back),
            (.char("?"), .run, .help), (.char("q"), .run, .quit)
        ])
    func designKeys(key: Key, scope: KeyScope, action: KeyAction) {
        #expect(KeyMap.action(for: key, in: [scope]) == action)
    }

    @Test("the help bar is generated from the bindings that apply now")
    func helpBarFromTheKeyMap() {
        // A source whose run failed in this session: v, r and h apply to it.
        var d = runningDriver()
        d.send(.run(1, .failed(PanoplyError(.transient, "connection reset"))))
        d.keys(.escape)
        var s = d.state
        #expect(helpBarItems(s).map(\.key) == ["↑↓", "Enter", "v", "r", "d", "h", "?", "q"])
        // On the destination's row they do not.
        s.selection = listIndex(s) { $0 == .destination }
        #expect(helpBarItems(s).map(\.key) == ["↑↓", "Enter", "d", "?", "q"])
        s.overlay = .help
        #expect(helpBarItems(s).map(\.what) == ["close help"])
        for item in KeyMap.hints(KeyScope.allCases) {
            #expect(KeyMap.bindings.contains { $0.hint == item.what }, "\(item) has no binding")
        }
    }
}
