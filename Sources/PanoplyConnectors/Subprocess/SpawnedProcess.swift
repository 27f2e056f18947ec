import Foundation
import PanoplyKit

#if canImport(Glibc)
    import Glibc
#endif

/// A child started with posix_spawn and reaped by its owner, for programs that close every
/// inherited descriptor when they start, as OpenSSH's `ssh` and `sshd` do.
///
/// Foundation's `Process` must not run those on Linux. It learns that a child ended when
/// the child's end of a socketpair closes, and then calls a blocking `waitpid` for it on
/// the one thread that reports every `Process` exit. A child that closes that socket at
/// startup puts the thread into `waitpid` for its whole life: no other `Process` of the
/// program is reported as ended until it ends (they stay zombies, `isRunning` stays true).
package final class SpawnedProcess: @unchecked Sendable {
    package let pid: pid_t
    private let lock = NSLock()
    /// Held while reaping, so a second `wait()` waits for the first.
    private let reaping = NSLock()
    private var status: Int32?

    /// Starts `path` with `arguments` and exactly `environment`, in a process group of its
    /// own, with no blocked signals and SIGPIPE, SIGINT, SIGTERM at their defaults. Its
    /// stdin, stdout and stderr are the given descriptors (/dev/null when nil); no other
    /// descriptor is inherited.
    /// - Throws: ``PanoplyError`` (config) when it cannot be started.
    package init(
        _ path: String, _ arguments: [String], environment: [String: String],
        stdin: Int32? = nil, stdout: Int32? = nil, stderr: Int32? = nil
    ) throws {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, fd) in [(STDIN_FILENO, stdin), (STDOUT_FILENO, stdout), (STDERR_FILENO, stderr)] {
            posix_spawn_file_actions_adddup2(&actions, fd ?? null, target)
        }
        Self.closeOthers(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        Self.resetSignals(&attributes)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child = pid_t()
        let rc = posix_spawn(&child, path, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw PanoplyError(.config, "cannot start \(path): \(String(cString: strerror(rc)))")
        }
        pid = child
    }

    /// Closes every descriptor above stderr in the child: glibc's (2.34+)
    /// posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc does not export, or
    /// else one close per descriptor open now.
    private static func closeOthers(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(sym, to: CloseFrom.self)(&actions, STDERR_FILENO + 1)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd > STDERR_FILENO { posix_spawn_file_actions_addclose(&actions, fd) }
    }

    private static func resetSignals(_ attributes: inout posix_spawnattr_t) {
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for sig in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    }

    /// Whether the child still runs (it is not reaped by asking).
    package var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        guard status == nil else { return false }
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == 0
    }

    /// Sends `sig` to the child, unless it is already reaped (its pid may be reused then).
    package func signal(_ sig: Int32) {
        lock.lock(); defer { lock.unlock() }
        if status == nil { kill(pid, sig) }
    }

    /// Sends `sig` to the child's process group: the child and every process it started
    /// that did not leave the group. The group outlives the child while those run (and its
    /// id is not reused then). `sig` 0 only asks whether any process of the group is left
    /// (a zombie counts until reaped).
    /// - Returns: whether any process of the group was there to receive it.
    @discardableResult
    package func signalGroup(_ sig: Int32) -> Bool { kill(-pid, sig) == 0 }

    /// Blocks until the child has ended, without reaping it (``wait()`` does).
    package func waitForExit() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0, errno == EINTR {}
    }

    /// Waits for the child to end and reaps it; returns its wait status (safe to call twice).
    @discardableResult
    package func wait() -> Int32 {
        reaping.lock(); defer { reaping.unlock() }
        if let status = lock.withLock({ status }) { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0, errno == EINTR {}
        lock.withLock { status = raw }
        return raw
    }
}
