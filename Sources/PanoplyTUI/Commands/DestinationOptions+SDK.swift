import ArgumentParser
import PanoplyKit
import PanoplyWorkspace

extension DestinationOptions {
    /// The destination settings and the SDK configuration they make, with the
    /// environment read at start; says so when no destination was named (the default
    /// outbox is used).
    /// - Throws: a usage exit (2) naming what to fix.
    func configuration() throws -> (DestinationSettings, SDKConfiguration) {
        let settings = settings()
        let config: SDKConfiguration
        do { config = try settings.sdkConfiguration(awsSessionToken: processEnvironment["AWS_SESSION_TOKEN"]) } catch {
            throw fail(error.asPanoplyError.message, code: Exit.usage)
        }
        if isDefault() {
            printError("no credentials given: writing to the local outbox \(settings.outbox) (use --api-key/--api-secret for Panoply)")
        }
        return (settings, config)
    }

    /// - Throws: a usage exit (2) when the SDK cannot start (an unusable outbox folder, ...).
    /// The SDK of a headless command (`run`, `send`): a buffer of at most 8 MiB (32
    /// messages of 256 KiB ahead of the destination keep it at full speed; the writer waits
    /// for room instead of failing) and malloc tuned for a lower memory peak.
    static func makeHeadlessSDK(_ config: SDKConfiguration) throws -> PanoplySDK {
        SendCommand.tuneMalloc()
        var config = config
        config.maxBufferedBytes = min(config.maxBufferedBytes, 8 * 1_048_576)
        return try makeSDK(config)
    }

    static func makeSDK(_ config: SDKConfiguration) throws -> PanoplySDK {
        do { return try PanoplySDK(config) } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
    }
}
