import Foundation
import PanoplyKit
import Testing

/// A saved source's field settings on `run --saved`: checked against the source's fields
/// before the run (no first-record warning about a column the database never selected; a
/// column gone since the save is a clear error), and kept, without the salt, in the history.
@Suite("Saved field settings (CLI)", .serialized)
struct SavedFieldSettingsCLITests {
    @Test("run --saved with an excluded SQLite column: no first-record warning, the history keeps the settings but not the salt")
    func savedExcludeIsChecked() throws {
        let dir = try FieldSettingsSourcesCLITests.files.get()
        let config = try temporaryDirectory()
        let env = FieldSettingsSourcesCLITests.environment.merging(["PANOPLY_CONFIG_DIR": config.path, "FIELD_SALT": "pepper-42"]) { $1 }
        let saved = try CLI.run(
            [
                "save", "Users", "sqlite", "--param", "path=\(dir.path)/users.sqlite", "--param", "tables=users",
                "--exclude", "users:ssn", "--hash", "users:email", "--hash-salt", "${FIELD_SALT}"
            ], environment: env)
        #expect(saved.status == 0, "\(saved.stderr)")
        let out = config.appendingPathComponent("out")
        let run = try CLI.run(["run", "--saved", "Users", "--outbox", out.path], environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("which the first record does not have"), "\(run.stderr)")
        let records = try outboxRecords(out)
        #expect(records.count == FieldFixture.rows.count)
        #expect(records.allSatisfy { $0["ssn"] == nil })
        let history = try String(contentsOf: config.appendingPathComponent("history/Users.json"), encoding: .utf8)
        #expect(history.contains("\"ssn\""), "the history keeps the settings: \(history)")
        #expect(!history.contains("pepper-42"), "never the salt")
    }
}
