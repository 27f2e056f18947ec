import Foundation
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace

/// What the interactive UI starts with: the command line and the environment, read once
/// at start.
struct TUILaunch: Sendable {
    var registry: SourceRegistry
    var destination: DestinationSettings
    /// False when no destination option or variable was given (the UI may use a saved one).
    var destinationGiven: Bool
    var openType: String?
    var prefill: [String: String] = [:]
    var configDirectory: String
    /// The workspace to work in; nil: the config folder at ``configDirectory``.
    var workspace: (any Workspace)? = nil
    /// `AWS_SESSION_TOKEN`, for the runs' SDKs when AWS credentials are given.
    var awsSessionToken: String?
    /// `NO_COLOR` was set: draw with attributes only.
    var noColor = false
    /// How long quitting waits for the runs to deliver (`--shutdown-timeout`).
    var shutdownTimeout: Duration = .seconds(30)
    /// The folder the UI started in: relative `path` params are saved absolute against it.
    var workingDirectory = FileManager.default.currentDirectoryPath
    /// Where `${NAME}` references in params are looked up when a run or a check starts.
    var environment = processEnvironment
}
