import PanoplyKit

/// A filled-in source form, saved in the config directory and listed on the next start.
package struct SavedSource: Sendable, Equatable, Codable {
    /// Stays the same when the source is renamed: a shared workspace keys its state, history
    /// and lease by it. Given when the source is first saved (``withIDs(_:known:)``); nil in
    /// a `sources.json` written before ids existed, and in a source not saved yet.
    package var id: String?
    /// Unique among saved sources; also names its state file.
    package var name: String
    package var type: String
    /// The values as typed in the form (empty means the param's default).
    package var values: [String: String]
    /// The destination table; empty means the type's name.
    package var table: String
    /// How its last run ended, so the list shows it after a restart.
    package var lastStatus: RunStatus?
    /// The absolute outbox folder the UI wrote to when it saved this source with no
    /// destination saved: `run --saved` writes there from any folder (nil: none kept).
    package var outbox: String?
    /// What its runs do to the records' fields (exclude, hash, rename), nil when nothing.
    package var fields: FieldSettings?
    /// Secrets stored sealed in a shared workspace that were not opened (no workspace key
    /// was given), by param name (``SealedDocument/hashSaltKey`` for the hash salt): kept as
    /// stored so a save writes them back; a run refuses to start (``lockedSecretsError``).
    package var sealed: [String: SealedValue]?
    /// The start (Unix time) of the last run whose schema changes the user has seen (opened
    /// the source in the UI since): the list marks a newer run's (``RunRecord/schemaChanges``).
    /// Nil when none was seen (and in files written before it existed).
    package var schemaSeen: Double?

    package init(
        name: String, type: String, values: [String: String], table: String = "", lastStatus: RunStatus? = nil,
        outbox: String? = nil
    ) {
        self.name = name
        self.type = type
        self.values = values
        self.table = table
        self.lastStatus = lastStatus
        self.outbox = outbox
    }
}
