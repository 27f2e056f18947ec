import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUICore

/// A saved source whose secrets are sealed in a shared workspace opened without its key.
@Suite("Sources with sealed secrets in the UI")
struct LockedSecretsReducerTests {
    static let message = "source 'Nightly' has encrypted secrets (password): set PANOPLY_WORKSPACE_KEY (or --workspace-key-file) to the workspace key"

    static func locked() -> SavedSource {
        var s = SavedSource(name: "Nightly", type: DemoSource.type, values: ["rows": "5"])
        s.sealed = ["password": SealedValue(sealed: "c2VhbGVk", key: "abcd1234")]
        return s
    }

    @Test func savingTheFormOfASourceWithSealedSecretsStartsNothingAndSaysTheKeyIsMissing() throws {
        var d = Driver(makeState(saved: [Self.locked()]))
        d.keys(.enter)
        #expect(d.form != nil)
        let fx = d.keys(.ctrl("s"))
        #expect(fx.isEmpty, "nothing is checked, saved or started: \(fx)")
        #expect(d.form?.formError == Self.message)
    }

    @Test func fOnASourceWithSealedSecretsStartsNothingAndSaysTheKeyIsMissing() {
        var d = Driver(makeState(saved: [Self.locked()]))
        let fx = d.keys(.char("F"))
        #expect(fx.isEmpty, "\(fx)")
        #expect(d.state.notice == Self.message)
    }
}
