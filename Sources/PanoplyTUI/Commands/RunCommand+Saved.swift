import ArgumentParser
import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyTUICore
import Synchronization

extension RunCommand {
    /// `run --saved NAME`: runs a source saved in the UI, with its params, state and
    /// destination, as Ctrl-S would, and records the run in its history.
    func runSaved(_ name: String, signals: AsyncStream<Int32>) async throws {
        let store = ConfigStore(directory: configDir ?? defaultConfigDirectory())
        if let configDir { SSHHostTrust.setKnownHostsFile(configDir + "/known_hosts") }
        let saved = try SavedSourceRun(name: name, store: store, fullRefresh: fullRefresh, environment: processEnvironment)
        OutputRedaction.add(saved.redactor.secrets)
        let settings = try saved.destination(destination)
        let config: SDKConfiguration
        do { config = try settings.sdkConfiguration(awsSessionToken: processEnvironment["AWS_SESSION_TOKEN"]) } catch {
            throw fail("destination: \(error.asPanoplyError.message)", code: Exit.usage)
        }
        try saved.prepareState()
        printError("\(name): \(saved.note)")
        let sdk = try DestinationOptions.makeHeadlessSDK(config)
        var options = RunOptions(batchSize: batchSize, stateFile: saved.stateFile)
        options.onInvalid = onInvalid
        options.parallelResources = parallelResources
        if let retryBaseMs { options.retryBase = .milliseconds(retryBaseMs) }
        let runner = SourceRunner(saved.kind, input: saved.input, sdk: sdk, options: options)
        let session = DeliverySession(sdk: sdk, spool: settings.spool, shutdownTimeout: shutdown.duration)
        let json = events == .json, seconds = shutdown.seconds, kind = saved.kind, redactor = saved.redactor
        let collector = RunLogCollector()
        collector.add(.log(saved.note))
        let summary = Mutex<RunSummary?>(nil)
        let started = Date()
        let code = await session.run(closeTimeout: shutdown.duration, signals: signals) { sig in
            printError("\(Signals.name(sig)): cancelling the run and flushing (up to \(seconds)s)")
            runner.cancel()
        } work: {
            let resourced = ResourcePlan(configuration: kind.configuration, input: saved.input) != nil
            let printer = Task {
                await Self.printEvents(runner.events, json: json, sourceType: kind, redactor: redactor, collect: collector.add, resourced: resourced)
            }
            let s = await runner.run()
            await printer.value
            summary.withLock { $0 = s }
            return Self.exitCode(s)
        }
        let s = summary.withLock { $0 }
        let record = RunRecord(
            started: started.timeIntervalSince1970, ended: Date().timeIntervalSince1970,
            status: s?.status ?? .failed, recordsRead: s?.recordsRead ?? 0, counters: sdk.counters,
            error: s?.error.map(redactor.error), origin: "cli", log: collector.tail)
        do { try store.history.append(record, to: name) } catch {
            printError("warning: cannot record the run in the history of \(name): \(error.asPanoplyError.message)")
        }
        if code != 0 { throw ExitCode(code) }
    }
}
