import ArgumentParser
import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyTUICore
import PanoplyWorkspace
import Synchronization

extension RunCommand {
    /// `run --saved NAME`: runs a source saved in the UI, with its params, state and
    /// destination, as Ctrl-S would, and records the run in its history.
    func runSaved(_ name: String, signals: AsyncStream<Int32>) async throws {
        let (store, registry) = try Workspaces.open(configDir)
        let saved = try SavedSourceRun(name: name, store: store, registry: registry, fullRefresh: fullRefresh, environment: processEnvironment)
        OutputRedaction.add(saved.redactor.secrets)
        let settings = try saved.destination(destination)
        let config: SDKConfiguration
        do { config = try settings.sdkConfiguration(awsSessionToken: processEnvironment["AWS_SESSION_TOKEN"]) } catch {
            throw fail("destination: \(error.asPanoplyError.message)", code: Exit.usage)
        }
        let launch = saved.launch(runOptions(stateFile: nil))
        do { try launch.prepareState() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        printError("\(name): \(saved.note)")
        let sdk = try DestinationOptions.makeHeadlessSDK(config)
        let collector = RunLogCollector()
        collector.add(.log(saved.note))
        let started = Date()
        let (code, s) = await deliver(launch, sdk: sdk, spool: settings.spool, signals: signals, collect: collector.add)
        let record = RunRecord(
            started: started.timeIntervalSince1970, ended: Date().timeIntervalSince1970,
            status: s?.status ?? .failed, recordsRead: s?.recordsRead ?? 0, counters: sdk.counters,
            error: s?.error.map(launch.redactor.error), origin: "cli", log: collector.tail)
        do { try store.appendHistory(record, to: name) } catch {
            printError("warning: cannot record the run in the history of \(name): \(error.asPanoplyError.message)")
        }
        if code != 0 { throw ExitCode(code) }
    }
}
