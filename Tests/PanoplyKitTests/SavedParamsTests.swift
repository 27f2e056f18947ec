import Synchronization
import Testing

@testable import PanoplyKit

@Suite("Params saved in the state by a source change (rotated tokens)")
struct SavedParamsTests {
    @Test("a saved param wins while the configured value is the one it replaced; a newly configured one wins over it")
    func savedParamsApply() {
        let configured: [String: JSONValue] = ["refresh_token": "r0", "url": "https://x"]
        let state: JSONObject = [
            "http": ["pages": 2],
            SavedParams.stateKey: ["refresh_token": SavedParams.entry("r1", replacing: "r0")]
        ]
        let applied = SavedParams.apply(state, to: configured)
        #expect(applied.params["refresh_token"] == "r1" && applied.params["url"] == "https://x")
        #expect(applied.used == ["refresh_token"] && applied.stale.isEmpty)

        let reauthorized = SavedParams.apply(state, to: ["refresh_token": "r9"])
        #expect(reauthorized.params["refresh_token"] == "r9" && reauthorized.stale == ["refresh_token"] && reauthorized.kept.isEmpty)

        let alreadySaved = SavedParams.apply(state, to: ["refresh_token": "r1"])
        #expect(alreadySaved.params["refresh_token"] == "r1" && alreadySaved.used.isEmpty && alreadySaved.stale.isEmpty)

        let masked = SavedParams.masked(state)
        #expect(masked[SavedParams.stateKey] == ["refresh_token": "****"] && masked["http"] == state["http"])
        #expect(!JSONWriter.string(.object(state)).contains("r0"))
    }

    @Test("saved params belong to one grant: when one configured value changed, none of them is used")
    func oneStaleEntryDropsAll() {
        // Only refresh_token was configured; the run also saved a refreshed access_token.
        let state: JSONObject = [
            SavedParams.stateKey: [
                "refresh_token": SavedParams.entry("r1", replacing: "r0"),
                "access_token": SavedParams.entry("a1", replacing: nil)
            ]
        ]
        let same = SavedParams.apply(state, to: ["refresh_token": "r0"])
        #expect(same.params["access_token"] == "a1" && same.params["refresh_token"] == "r1")
        // Authorized again (maybe as another account): the old grant's access token must not win either.
        let again = SavedParams.apply(state, to: ["refresh_token": "r9"])
        #expect(again.params["access_token"] == nil && again.params["refresh_token"] == "r9")
        #expect(again.stale == ["refresh_token"] && again.kept.isEmpty && again.used.isEmpty)
    }

    @Test("a secret param's earlier value stays masked in logs after a source change replaces it")
    func retiredSecretsStayMasked() {
        let lines = Mutex<[String]>([])
        let ctx = SourceContext(
            input: SourceInput(type: "t", params: ["refresh_token": "old-refresh-value"]),
            secrets: ["refresh_token"]
        ) { e in if case .log(let l) = e { lines.withLock { $0.append(l) } } }
        ctx.changeSource(["refresh_token": "new-refresh-value"])
        ctx.log("sent old-refresh-value then new-refresh-value")
        #expect(lines.withLock { $0 } == ["sent **** then ****"])
    }
}
