import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// Relative `path` params are saved absolute; the config folder follows `$HOME`.
@Suite struct PathsAndHomeTests {
    @Test(arguments: [
        ("users.csv", "/srv/work", "/srv/work/users.csv"),
        ("./data/../users.csv", "/srv/work", "/srv/work/users.csv"),
        ("../up.csv", "/srv/work", "/srv/up.csv"),
        ("/abs/users.csv", "/srv/work", "/abs/users.csv"),
        ("", "/srv/work", ""),
        ("${DATA_DIR}/users.csv", "/srv/work", "${DATA_DIR}/users.csv"),
        ("data/${DAY}.csv", "/srv/work", "/srv/work/data/${DAY}.csv"),
        ("users.csv", "", "users.csv")
    ])
    func relativePathsAreResolvedAgainstTheWorkingDirectory(path: String, directory: String, expected: String) {
        #expect(PathResolution.absolute(path, against: directory) == expected)
    }

    @Test func aRelativeCSVPathIsSavedAndRunAbsolute() throws {
        var state = AppState(
            types: [SourceTypeInfo(type: CSVSource.type, configuration: CSVSource.configuration)],
            destination: DestinationSettings(kind: .outbox, outbox: "/tmp/out"))
        state.workingDirectory = "/home/ann/exports"
        var d = Driver(state)
        d.keys(.enter)
        d.type("users.csv")
        let fx = d.keys(.ctrl("s"))
        #expect(d.state.saved.first?.values["path"] == "/home/ann/exports/users.csv")
        guard case .startRun(let request) = fx.last else { Issue.record("no run: \(fx)"); return }
        #expect(request.params["path"] == .string("/home/ann/exports/users.csv"))
    }

    @Test(arguments: [
        (["HOME": "/tmp/x"], "/tmp/x/.config/panoply"),
        (["HOME": "/tmp/x", "XDG_CONFIG_HOME": "/tmp/xdg"], "/tmp/xdg/panoply"),
        (["HOME": "/tmp/x", "PANOPLY_CONFIG_DIR": "/tmp/cfg"], "/tmp/cfg")
    ])
    func theConfigFolderHonoursHome(env: [String: String], expected: String) {
        #expect(defaultConfigDirectory(env) == expected)
    }
}
