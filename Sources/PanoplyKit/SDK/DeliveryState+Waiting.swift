import Foundation

extension DeliveryState {
    /// What the SDK must do after an event, outside its lock.
    struct Actions {
        /// Write these to the spool, then report each with ``DeliveryState/spooled(_:)``.
        var store: [OutgoingMessage] = []
        /// Hand a batch to a waiting worker.
        var work: [(WaiterID, [OutgoingMessage])] = []
        /// Waiting workers to stop (the SDK closed).
        var stopWorkers: [WaiterID] = []
        var flushSucceeded: [WaiterID] = []
        var flushFailed: [(WaiterID, PanoplyError)] = []
        /// Writers waiting for room, to wake (they check again).
        var capacity: [WaiterID] = []

        var isEmpty: Bool {
            store.isEmpty && work.isEmpty && stopWorkers.isEmpty && flushSucceeded.isEmpty && flushFailed.isEmpty && capacity.isEmpty
        }

        mutating func merge(_ o: Actions) {
            store += o.store
            work += o.work
            stopWorkers += o.stopWorkers
            flushSucceeded += o.flushSucceeded
            flushFailed += o.flushFailed
            capacity += o.capacity
        }
    }

    enum WaitAnswer: Equatable {
        case done
        case failed(PanoplyError)
        case wait
    }

    /// The error for a waiting flush when the SDK closes first.
    static let closedBeforeDelivery = PanoplyError(.internal, "the SDK closed before these records were delivered", retryable: false)
}
