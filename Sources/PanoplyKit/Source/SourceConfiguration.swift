/// What a data source type declares about itself: the original `CONFIG` dictionary.
public struct SourceConfiguration: Sendable, Equatable, Codable {
    public var title: String
    /// A short icon: an emoji or a data URL, as in the original.
    public var icon: String
    public var params: [SourceParam]
    /// One line describing the source, for lists and `--help`.
    public var summary: String
    /// The `list` param whose picked values are the resources to read (`tables`, `files`,
    /// `endpoints`), when the source reads one resource per instance. The runner then opens
    /// one instance per picked resource, with ``SourceInput/resource`` set. Nil for a source
    /// that reads every resource itself and tags its records with `__resource`.
    public var resourcesParam: String?
    /// When the ``resourcesParam`` holds no value, the runner reads every value the source
    /// computes for it (``DataSource/values(param:source:context:)``; none: one instance reads
    /// the source as before). True for csv and jsonl, whose folder is read whole unless files
    /// are picked; false where an empty list means another param names the one resource
    /// (`table=` of postgres), so the runner never reads more than asked.
    public var readsAllResourcesWhenNonePicked: Bool

    public init(
        title: String, icon: String = "", summary: String = "", params: [SourceParam], resourcesParam: String? = nil,
        readsAllResourcesWhenNonePicked: Bool = false
    ) {
        self.title = title
        self.icon = icon
        self.summary = summary
        self.params = params
        self.resourcesParam = resourcesParam
        self.readsAllResourcesWhenNonePicked = readsAllResourcesWhenNonePicked
    }

    public func param(_ name: String) -> SourceParam? { params.first { $0.name == name } }

    /// Checks filled-in values against the params and converts them to JSON values,
    /// applying defaults.
    /// - Parameter values: text per param name, as typed in a form or given with `--param`.
    /// - Returns: the typed values, or every problem found (unknown names, missing
    ///   required values, values of the wrong kind), each naming its param.
    public func validate(_ values: [String: String]) -> Result<[String: JSONValue], ParamErrors> {
        var problems: [ParamProblem] = []
        var out: [String: JSONValue] = [:]
        for name in values.keys.sorted() where param(name) == nil {
            let known = params.map(\.name).joined(separator: ", ")
            problems.append(ParamProblem(param: name, message: "unknown param '\(name)' (this source takes: \(known))"))
        }
        for p in params where isVisible(p, values) {
            let given = values[p.name].flatMap { $0.isEmpty ? nil : $0 }
            guard let text = given ?? p.defaultValue else {
                if p.required { problems.append(ParamProblem(param: p.name, message: "\(p.title) is required")) }
                continue
            }
            switch p.parse(text) {
            case .success(let v): out[p.name] = v
            case .failure(let problem): problems.append(problem)
            }
        }
        return problems.isEmpty ? .success(out) : .failure(ParamErrors(problems: problems))
    }
}

extension SourceConfiguration {
    /// Whether `p` applies with these values (its ``SourceParam/visibleWhen``): each
    /// param it names holds, as typed or by default, one of the listed values (booleans
    /// compared as `true`/`false`), and is itself visible.
    public func isVisible(_ p: SourceParam, _ values: [String: String]) -> Bool {
        isVisible(p, values, depth: 0)
    }

    private func isVisible(_ p: SourceParam, _ values: [String: String], depth: Int) -> Bool {
        guard !p.visibleWhen.isEmpty else { return true }
        guard depth < 8 else { return false }
        for (name, allowed) in p.visibleWhen {
            guard let other = param(name), isVisible(other, values, depth: depth + 1) else { return false }
            var text = values[name].flatMap { $0.isEmpty ? nil : $0 } ?? other.defaultValue ?? ""
            if other.kind == .boolean, case .success(.bool(let b)) = other.parse(text) { text = b ? "true" : "false" }
            if !allowed.contains(text) { return false }
        }
        return true
    }

    /// The params that apply with these values, in order.
    public func visibleParams(_ values: [String: String]) -> [SourceParam] { params.filter { isVisible($0, values) } }

    /// Checks only the params that the list param `name` depends on: enough to compute its
    /// values (discovery) before the rest of the form is filled.
    /// - Returns: the typed values of the dependencies, or their problems.
    public func validate(_ values: [String: String], dependenciesOf name: String) -> Result<[String: JSONValue], ParamErrors> {
        let deps = Set(param(name)?.dependencies ?? [])
        let sub = SourceConfiguration(title: title, params: params.filter { deps.contains($0.name) })
        return sub.validate(values.filter { deps.contains($0.key) })
    }
}

/// Every problem with a set of param values.
public struct ParamErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [ParamProblem]
    public var description: String { problems.map(\.message).joined(separator: "; ") }

    /// As a config error (400) for the runner and the CLI.
    public var panoplyError: PanoplyError { PanoplyError(.config, description) }
}
