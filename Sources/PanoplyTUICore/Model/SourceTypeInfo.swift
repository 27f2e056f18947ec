import PanoplyKit
import PanoplyWorkspace

/// What the UI knows of a source type: its name and configuration.
package struct SourceTypeInfo: Sendable, Equatable {
    package var type: String
    package var configuration: SourceConfiguration
    /// Runs after a completed one continue from the committed state (``StartPlan``).
    package var incremental: Bool

    package init(type: String, configuration: SourceConfiguration, incremental: Bool = false) {
        self.type = type
        self.configuration = configuration
        self.incremental = incremental
    }
}
