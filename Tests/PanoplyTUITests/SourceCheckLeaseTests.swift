import Foundation
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Synchronization
import Testing

@testable import PanoplyTUI

/// A source whose check rotates its token (as an OAuth2 source's refresh does).
final class RotatingTokenSource: DataSource {
    static let type = "rotating"
    static let configuration = SourceConfiguration(
        title: "Rotating token", summary: "Rotates its token when checked (test double)",
        params: [SourceParam("token", title: "Token", kind: .secret)])
    private let context: SourceContext

    init(source: SourceInput, context: SourceContext) async throws { self.context = context }
    func read(_ n: Int) async throws -> [JSONObject]? { nil }
    func close() async {}
    func check() async throws { context.changeSource(["token": "t2"]) }
}

/// Ctrl-T / Ctrl-S save a token the source rotated while checking under the source's lease
/// (``CheckStateStore``): not while a run holds it (a warning says so), and over the state
/// as it is when saved.
@Suite("A check's rotated token and the source's lease")
struct SourceCheckLeaseTests {
    @Test("while a run holds the lease the token is not saved and a warning names the run; once free it is saved beside the run's state")
    func tokenSavedUnderLease() async throws {
        let folder = FolderWorkspace(directory: try temporaryDirectory().path)
        try folder.saveSources([SavedSource(name: "Api", type: "rotating", values: ["token": "t1"])])
        try folder.stateStore(for: "Api", lease: nil).save(["rotating": ["cursor": 5]])
        let warnings = Mutex<[String]>([])
        func check() async throws {
            try await SourceCheck.run(
                SourceKind(RotatingTokenSource.self), input: SourceInput(type: "rotating", params: ["token": "t1"]),
                stateStore: CheckStateStore(workspace: folder, name: "Api"), log: { _ in },
                warn: { w in warnings.withLock { $0.append(w) } })
        }
        let run = try folder.acquireLease(of: "Api", holder: LeaseHolder(pid: 777, host: "host-b", origin: "cli", since: 0), wait: nil)
        try await check()
        let said = warnings.withLock { $0 }
        #expect(said.count == 1 && said[0].contains("the source changed token while checking; not saved to "), "\(said)")
        #expect(said.first?.contains("'Api' is already running (pid 777 on host-b") == true, "\(said)")
        #expect(try folder.loadState(of: "Api") == ["rotating": ["cursor": 5]])
        run.release()
        try await check()
        #expect(warnings.withLock { $0.count } == 1)
        let state = try #require(try folder.loadState(of: "Api"))
        #expect(state["rotating"] == ["cursor": 5])
        #expect(state[SavedParams.stateKey] != nil, "\(state)")
    }
}
