import ArgumentParser
import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace
import Synchronization

extension RunCommand {
    /// `run --saved NAME`: runs a source saved in the UI, with its params, state and
    /// destination, as Ctrl-S would, and records the run in its history.
    func runSaved(_ name: String, signals: AsyncStream<Int32>) async throws {
        let (store, registry) = try workspaceOptions.openWithRegistry()
        let lease = try takeLease(of: name, in: store)
        // Left to the process's end when the workspace stopped answering (its release waits
        // for the server too); the lease's connection closes with the process.
        let abandoned = Once<Bool>()
        defer { if !abandoned.isSet { lease.release() } }
        let saved = try SavedSourceRun(
            name: name, store: store, registry: registry, fullRefresh: fullRefresh, environment: processEnvironment)
        OutputRedaction.add(saved.redactor.secrets)
        let settings = try saved.destination(destination)
        let config: SDKConfiguration
        do { config = try settings.sdkConfiguration(awsSessionToken: processEnvironment["AWS_SESSION_TOKEN"]) } catch {
            throw fail("destination: \(error.asPanoplyError.message)", code: Exit.usage)
        }
        var options = runOptions(stateFile: nil)
        let schema = SchemaRecorder(previous: SchemaHistory.baseline(try? store.history(of: name)))
        options.schema = schema
        var launch = saved.launch(options, lease: lease)
        do { try launch.prepareState() } catch { throw fail(error.asPanoplyError.message, code: Exit.usage) }
        printError("\(name): \(saved.note)")
        let sdk = try DestinationOptions.makeHeadlessSDK(config)
        let publisher = SnapshotPublisher(
            workspace: store, name: name, type: saved.source.type, holder: lease.holder, attempt: 1, sdk: sdk)
        launch.publisher = publisher
        publisher.observe(.log(saved.note))
        let collector = RunLogCollector()
        collector.add(.log(saved.note))
        let started = Date()
        let signalled = Once<Bool>()
        let (code, s) = await deliver(
            launch, sdk: sdk, spool: settings.spool, signals: Self.noting(signals, in: signalled), collect: collector.add)
        var record = RunRecord(
            started: started.timeIntervalSince1970, ended: Date().timeIntervalSince1970,
            status: s?.status ?? .failed, recordsRead: s?.recordsRead ?? 0, counters: sdk.counters,
            error: s?.error.map(launch.redactor.error), origin: "cli", log: collector.tail)
        record.cancelledBy = publisher.cancelledBy
        record.resources = publisher.current.resourceTally
        record.exitCode = code
        record.fields = saved.source.fields?.recorded
        SchemaHistory.keep(schema, in: &record)
        let recorded: @Sendable () -> Void = { [record] in
            do { try store.appendHistory(record, to: name) } catch {
                printError("warning: cannot record the run in the history of \(name): \(error.asPanoplyError.message)")
            }
            store.clearSnapshot(of: name)
            lease.release()
        }
        if signalled.isSet {
            await Self.bounded(recorded, within: .seconds(3)) {
                abandoned.set(true)
                printError("warning: the workspace did not answer within 3 s: the run is not recorded in the history of \(name)")
            }
        } else {
            recorded()
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// `signals`, noting in `signalled` that one came.
    static func noting(_ signals: AsyncStream<Int32>, in signalled: Once<Bool>) -> AsyncStream<Int32> {
        let (noted, continuation) = AsyncStream.makeStream(of: Int32.self)
        Task {
            for await sig in signals {
                signalled.set(true)
                continuation.yield(sig)
            }
            continuation.finish()
        }
        return noted
    }

    /// Runs `work` (calls to the workspace, which block) on a thread of its own, waiting for
    /// it at most `limit`, then `late` and on: a run stopped by a signal ends within seconds
    /// even when its workspace stopped answering (the work, left running, ends with the process).
    static func bounded(_ work: @escaping @Sendable () -> Void, within limit: Duration, late: () -> Void) async {
        let done = Once<Bool>()
        Thread.detachNewThread {
            work()
            done.set(true)
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            done.set(false)
        }
        if !(await done.value) { late() }
        timer.cancel()
    }

    /// The lease of `name`: at once, or after `--wait`; a run left by a killed process is
    /// recorded as lost first.
    /// - Throws: an exit with code 4 naming who holds it; 2 for an unknown source.
    func takeLease(of name: String, in store: any Workspace) throws -> Lease {
        _ = try SavedSourceRun.find(name, in: store)
        store.settleLostRun(of: name)
        let me = LeaseHolder.current(origin: "cli")
        do {
            let lease: Lease
            do { lease = try store.acquireLease(of: name, holder: me, wait: nil) } catch let busy as LeaseBusy {
                guard let wait else { throw busy }
                printError("\(busy.message): waiting for it to end" + (wait.duration.map { " (at most \($0.seconds)s)" } ?? ""))
                lease = try store.acquireLease(of: name, holder: me, wait: wait.leaseWait)
            }
            store.clearSnapshot(of: name)
            return lease
        } catch let busy as LeaseBusy {
            throw fail(
                "\(busy.message); wait for it with --wait, or cancel it with: panoply cancel \(Self.shellQuoted(name))",
                code: Exit.alreadyRunning)
        } catch {
            throw fail(error.asPanoplyError.message, code: Exit.usage)
        }
    }

    /// `name` as one shell word: bare when safe, else in double quotes with `\ " $ `` ` escaped.
    static func shellQuoted(_ name: String) -> String {
        if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) { return name }
        var out = "\""
        for ch in name {
            if "\\\"$`".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out + "\""
    }
}
