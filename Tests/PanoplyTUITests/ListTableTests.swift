import Foundation
import PanoplyKit
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// `panoply list` (text): a header row, and times that say their zone.
@Suite("panoply list as text")
struct ListTableTests {
    @Test("the listing has a header row, columns aligned, and each start time names its zone")
    func headerAndZone() throws {
        let sources = [
            SavedSource(name: "Nightly orders", type: "postgres", values: [:]),
            SavedSource(name: "Files", type: "csv", values: [:])
        ]
        // 2026-12-07 16:58:00 UTC
        let record = RunRecord(started: 1_796_662_680, ended: 1_796_662_700, status: .done, origin: "cli")
        let utc = try #require(TimeZone(identifier: "UTC"))
        let lines = ListCommand.table(sources, history: ["Nightly orders": [record]], zone: utc)
        #expect(
            lines == [
                "NAME            TYPE      LAST RUN   STARTED                  DELIVERED  ERROR",
                "Nightly orders  postgres  done       2026-12-07 16:58:00 UTC  0",
                "Files           csv       never run"
            ])
        let india = try #require(TimeZone(identifier: "Asia/Kolkata"))
        let local = ListCommand.table(sources, history: ["Nightly orders": [record]], zone: india)
        #expect(local[1].contains("2026-12-07 22:28:00 "), "\(local)")
        #expect(local[1].contains("IST") || local[1].contains("UTC+05:30"), "\(local)")
    }
}
