import Foundation

/// The outbox folder of a run, made ready before its SDK starts.
package enum OutboxFolder {
    /// Creates the outbox folder of `settings` (an outbox destination) when it does not exist.
    /// - Returns: a log line naming the folder when it was created; nil when there was
    ///   nothing to do or it could not be made (the SDK then says why).
    /// - Parameter shared: the folder was named in a team's workspace (a saved destination,
    ///   a saved source's outbox), so other hosts name it too: the line says it is this host's.
    package static func prepare(_ settings: DestinationSettings, shared: Bool = false) -> String? {
        guard settings.kind == .outbox, !settings.outbox.isEmpty else { return nil }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: settings.outbox, isDirectory: &isDir) { return nil }
        do {
            try FileManager.default.createDirectory(atPath: settings.outbox, withIntermediateDirectories: true)
        } catch { return nil }
        let shown =
            settings.outbox.hasPrefix("/")
            ? settings.outbox
            : FileManager.default.currentDirectoryPath + "/" + settings.outbox
        return "created the outbox folder \(shown)" + (shared ? sharedNote : "")
    }

    /// What the line about a folder named in a shared workspace adds.
    package static let sharedNote = " on this host (an outbox is local to each host; teams send to SQS)"
}
