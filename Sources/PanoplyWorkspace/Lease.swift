import Foundation
import PanoplyKit
import Synchronization

/// Who holds a source's lease: the run that has it, as others are told.
package struct LeaseHolder: Sendable, Equatable, Codable {
    package var pid: Int32
    package var host: String
    /// `ui` or `cli`.
    package var origin: String
    /// Unix time the lease was taken.
    package var since: Double

    package init(pid: Int32, host: String, origin: String, since: Double) {
        self.pid = pid
        self.host = host
        self.origin = origin
        self.since = since
    }

    /// This process, now.
    package static func current(origin: String) -> LeaseHolder {
        LeaseHolder(pid: getpid(), host: ProcessInfo.processInfo.hostName, origin: origin, since: Date().timeIntervalSince1970)
    }

    /// `pid 4242 on host-a, from cli, since 14:02:11` (local time).
    package var description: String {
        let local = since + Double(TimeZone.current.secondsFromGMT())
        return "pid \(pid) on \(host), from \(origin), since \(Format.timeOfDay(local.truncatingRemainder(dividingBy: 86_400)))"
    }
}

/// A run's exclusive right to its source: one run of a source at a time. Held until
/// ``release()`` or the end of the process (what holds it, a `flock` or a database session,
/// is freed when the process dies, so a crash never leaves a stale lease).
package final class Lease: Sendable {
    package let name: String
    package let holder: LeaseHolder
    /// Counts the leases taken of the source (a workspace that fences commits checks it);
    /// 0 where there is no such count (a config folder).
    package let epoch: Int64
    /// Frees what holds the lease; nil once it ran.
    private let releaser: Mutex<(@Sendable () -> Void)?>

    /// - Parameter release: frees what holds the lease; run once, by the first ``release()``
    ///   (or when the lease is dropped).
    package init(name: String, holder: LeaseHolder, epoch: Int64 = 0, release: @escaping @Sendable () -> Void) {
        self.name = name
        self.holder = holder
        self.epoch = epoch
        releaser = Mutex(release)
    }

    /// Frees the lease; later calls do nothing.
    package func release() {
        // Taken out under the lock, run outside it: a release may block (a network round trip).
        let release = releaser.withLock { r in
            defer { r = nil }
            return r
        }
        release?()
    }

    deinit { release() }
}

/// The lease of a source is held by another run.
package struct LeaseBusy: Error, Sendable, Equatable {
    package var name: String
    /// Who holds it, when it could be read.
    package var holder: LeaseHolder?

    package init(name: String, holder: LeaseHolder?) {
        self.name = name
        self.holder = holder
    }

    /// `'Slow demo' is already running (pid 4242 on host-a, from cli, since 14:02:11)`.
    package var message: String {
        "'\(name)' is already running" + (holder.map { " (\($0.description))" } ?? "")
    }
}

/// An exclusive `flock` on a lock file, holding the holder's JSON (so a refused run can say
/// who has it). The kernel frees it when the process dies.
package enum LockFile {
    /// Takes the lock on `path`, waiting up to `wait` (nil: no wait).
    /// - Throws: ``LeaseBusy`` when another process holds it past the wait;
    ///   ``PanoplyError`` (config) when the file cannot be opened.
    package static func acquire(_ path: String, name: String, holder: LeaseHolder, wait: Duration?) throws -> Lease {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PanoplyError.config("cannot open the lock file '\(path)': \(String(cString: strerror(errno)))") }
        // Without a wait, still a few tries: a probe (``isHeld(_:)``) holds the lock for
        // microseconds, and must not make a run be refused.
        let deadline = ContinuousClock.now + (wait ?? .milliseconds(300))
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            guard err == EWOULDBLOCK || err == EINTR else {
                close(fd)
                throw PanoplyError.config("cannot lock '\(path)': \(String(cString: strerror(err)))")
            }
            guard ContinuousClock.now < deadline else {
                close(fd)
                throw LeaseBusy(name: name, holder: holderOf(path))
            }
            usleep(wait == nil ? 20_000 : 100_000)
        }
        var bytes = (try? JSONEncoder().encode(holder)).map { [UInt8]($0) } ?? []
        bytes.append(0x0A)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, bytes, bytes.count, 0)
        return Lease(name: name, holder: holder) { close(fd) }  // closing drops the flock
    }

    /// Whether someone holds the lock on `path` now (a lock that could be taken is free).
    package static func isHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// The holder written in the lock file at `path`, if it can be read.
    package static func holderOf(_ path: String) -> LeaseHolder? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(LeaseHolder.self, from: data)
    }
}
