/// Where one resource (a table, a file, an endpoint) of a run stands.
public enum ResourceStatus: String, Sendable, Codable, CaseIterable {
    case waiting, reading, done, failed
}

/// The progress of one resource of a run, carried by ``RunEvent/resource(_:)``.
public struct ResourceProgress: Sendable, Equatable {
    /// The resource id (`public.orders`, `orders.csv`).
    public var id: String
    public var status: ResourceStatus
    /// Records of this resource loaded: as its source reports it (counting what earlier
    /// attempts of a resumed run read), else those written to the SDK in this run.
    public var loaded: Int
    /// The total the source reported, when it knows one.
    public var total: Int?
    /// True when ``total`` is an estimate (the database planner's, a key range), not a
    /// count: shown as "≈".
    public var estimated: Bool
    /// The source's last progress message for this resource.
    public var message: String
    /// Why the resource failed, when ``status`` is `failed`.
    public var error: PanoplyError?

    public init(
        id: String, status: ResourceStatus, loaded: Int = 0, total: Int? = nil, message: String = "", error: PanoplyError? = nil, estimated: Bool = false
    ) {
        self.estimated = estimated
        self.id = id
        self.status = status
        self.loaded = loaded
        self.total = total
        self.message = message
        self.error = error
    }
}
