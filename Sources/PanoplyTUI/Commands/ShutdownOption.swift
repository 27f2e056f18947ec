import ArgumentParser
import PanoplyKit
import PanoplyWorkspace

/// `--shutdown-timeout SECONDS`, shared by the commands that deliver (`run`, `send`, the UI).
struct ShutdownOption: ParsableArguments {
    @Option(
        name: .customLong("shutdown-timeout"),
        help: ArgumentHelp("On quit, SIGINT or SIGTERM, wait at most this long for the runs to deliver.", valueName: "SECONDS"))
    var seconds: Double = 30

    func validate() throws {
        do { _ = try duration(seconds) } catch { throw ValidationError(error.asPanoplyError.message) }
    }

    /// The timeout (validated by ``validate()``).
    var duration: Duration { (try? duration(seconds)) ?? .seconds(30) }

    private func duration(_ s: Double) throws -> Duration {
        try SecondsOption.duration(s, option: "--shutdown-timeout", in: SecondsOption.shutdownTimeout)
    }
}
