import PanoplyTUICore
import Synchronization

/// Where the runs' tasks leave their events for the main loop, which drains it every turn.
final class Inbox: Sendable {
    private let events = Mutex<[AppEvent]>([])

    func post(_ event: AppEvent) { events.withLock { $0.append(event) } }

    func drain() -> [AppEvent] {
        events.withLock { e in
            defer { e = [] }; return e
        }
    }

    var isEmpty: Bool { events.withLock { $0.isEmpty } }
}
