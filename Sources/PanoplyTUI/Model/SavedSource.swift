import PanoplyKit

/// A filled-in source form, saved in the config directory and listed on the next start.
struct SavedSource: Sendable, Equatable, Codable {
    /// Unique among saved sources; also names its state file.
    var name: String
    var type: String
    /// The values as typed in the form (empty means the param's default).
    var values: [String: String]
    /// The destination table; empty means the type's name.
    var table: String
    /// How its last run ended, so the list shows it after a restart.
    var lastStatus: RunStatus?

    init(name: String, type: String, values: [String: String], table: String = "", lastStatus: RunStatus? = nil) {
        self.name = name
        self.type = type
        self.values = values
        self.table = table
        self.lastStatus = lastStatus
    }
}

/// What the UI knows of a source type: its name and configuration.
struct SourceTypeInfo: Sendable, Equatable {
    var type: String
    var configuration: SourceConfiguration
}
