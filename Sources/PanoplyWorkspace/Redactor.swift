import Foundation
import PanoplyKit

/// Masks given values (secrets, values expanded from `${NAME}`) in whatever a run
/// reports, before it reaches the screen, the history, a log or `--events json`.
package struct Redactor: Sendable, Equatable {
    /// Longest first, so a value that contains another is masked whole.
    package let secrets: [String]
    package static let mask = "****"

    package init(_ secrets: [String]) {
        self.secrets = Array(Set(secrets.filter { $0.count >= 3 })).sorted { $0.count > $1.count }
    }

    /// The secret values of a run's params (secret kinds), plus `extra`.
    package init(params: [String: JSONValue], _ config: SourceConfiguration, extra: [String] = []) {
        let values = config.params.filter(\.isSecret).compactMap { params[$0.name]?.stringValue }
        self.init(values.filter { $0.count >= 4 } + extra)
    }

    package func text(_ s: String) -> String {
        guard !secrets.isEmpty else { return s }
        var out = s
        for secret in secrets where out.contains(secret) { out = out.replacingOccurrences(of: secret, with: Self.mask) }
        return out
    }

    package func json(_ v: JSONValue) -> JSONValue {
        switch v {
        case .string(let s): .string(text(s))
        case .array(let a): .array(a.map(json))
        case .object(let o): .object(object(o))
        default: v
        }
    }

    package func object(_ o: JSONObject) -> JSONObject {
        JSONObject(o.map { (text($0.0), json($0.1)) })
    }

    package func error(_ e: PanoplyError) -> PanoplyError {
        var out = e
        out.message = text(e.message)
        return out
    }

    /// The event with every string in it masked.
    package func event(_ e: RunEvent) -> RunEvent {
        guard !secrets.isEmpty else { return e }
        switch e {
        case .started(let a, let from): return .started(attempt: a, resumedFrom: from.map(object))
        case .log(let l): return .log(text(l))
        case .progress(let l, let t, let m): return .progress(loaded: l, total: t, message: text(m))
        case .resource(var p):
            p.id = text(p.id)
            p.message = text(p.message)
            p.error = p.error.map(error)
            return .resource(p)
        case .state(let s): return .state(object(s))
        // New token values the app must keep as they are (the UI logs only their names).
        case .sourceChange: return e
        case .fired(let type, let data): return .fired(type: type, data: json(data))
        case .counters: return e
        case .retrying(let a, let m, let err, let d): return .retrying(attempt: a, maxAttempts: m, error: error(err), delay: d)
        case .failed(let err): return .failed(error(err))
        case .cancelled: return e
        case .completed(var s):
            s.state = object(s.state)
            s.error = s.error.map(error)
            return .completed(s)
        }
    }
}
