import Crypto
import Foundation

/// Params a source changed during a run (`source-change`: a refreshed access token, a
/// rotated OAuth2 refresh token), kept in the run's state under ``stateKey`` so the next
/// run from that state starts with them instead of the configured, possibly revoked, ones.
///
/// Each entry remembers a digest of the configured value it replaced. When the configured
/// value changes later (the user authorized again), the configured one wins and the entry
/// is dropped.
///
/// ```json
/// "__params": {"refresh_token": {"value": "...", "replaces": "sha256:..."}}
/// ```
public enum SavedParams {
    /// The reserved state key.
    public static let stateKey = "__params"

    /// What applying a state's saved params gave.
    public struct Applied: Sendable {
        public var params: [String: JSONValue]
        /// The entries still valid (kept in the state).
        public var kept: JSONObject
        /// Params taken from the state.
        public var used: [String]
        /// Params whose configured value changed since they were saved: then no saved
        /// param is used (they belong to one grant), and the configured ones win.
        public var stale: [String]
    }

    /// Applies the entries saved in `state` to `params`: an entry wins when the configured
    /// value is still the one it replaced. The entries belong together (an access token and
    /// the refresh token of one grant): when any configured value changed since (the user
    /// authorized again, maybe as another account), none of them is used.
    public static func apply(_ state: JSONObject?, to params: [String: JSONValue]) -> Applied {
        var out = Applied(params: params, kept: [:], used: [], stale: [])
        guard case .object(let saved)? = state?[stateKey] else { return out }
        var candidates: [(name: String, value: JSONValue, entry: JSONValue)] = []
        for (name, entry) in saved {
            guard case .object(let e) = entry, let value = e["value"] else { continue }
            // Already configured (the UI saves source changes in its saved sources too).
            if params[name] == value { continue }
            if e["replaces"]?.stringValue != digest(params[name]) { out.stale.append(name) }
            candidates.append((name, value, entry))
        }
        guard out.stale.isEmpty else { return out }  // none of the grant's saved values is used
        for c in candidates {
            out.params[c.name] = c.value
            out.kept[c.name] = c.entry
            out.used.append(c.name)
        }
        return out
    }

    /// `params` with the values of the entries in `saved` (the run's saved params so far,
    /// already checked against the configured ones): what an instance opened later in the
    /// run starts with, e.g. the refresh token another resource's instance was rotated to.
    public static func current(_ saved: JSONObject, over params: [String: JSONValue]) -> [String: JSONValue] {
        var out = params
        for (name, entry) in saved {
            if case .object(let e) = entry, let value = e["value"] { out[name] = value }
        }
        return out
    }

    /// Records the declared params among `changes` (a `source-change`) in `saved`, each
    /// with a digest of the configured value it replaces. Anything else in a source-change
    /// is not a setting to bring back on the next run.
    /// - Returns: the names recorded, sorted (empty when none was a declared param).
    public static func remember(
        _ changes: JSONObject, declared: Set<String>, configured: [String: JSONValue],
        into saved: inout JSONObject
    ) -> [String] {
        var names: [String] = []
        for (name, value) in changes where declared.contains(name) {
            saved[name] = entry(value, replacing: configured[name])
            names.append(name)
        }
        return names.sorted()
    }

    /// The entry for `value`, which replaces the configured value `configured`.
    public static func entry(_ value: JSONValue, replacing configured: JSONValue?) -> JSONValue {
        ["value": value, "replaces": .string(digest(configured))]
    }

    /// A digest of a configured value (the state never holds the configured secret itself).
    static func digest(_ value: JSONValue?) -> String {
        let text = value.map { $0.stringValue ?? JSONWriter.string($0) } ?? ""
        return "sha256:" + hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// Lower-case hex of a digest's bytes.
    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
    }

    /// `state` with the saved param values masked: for events, logs and screens.
    public static func masked(_ state: JSONObject) -> JSONObject {
        guard case .object(let saved)? = state[stateKey] else { return state }
        var out = state
        out[stateKey] = .object(JSONObject(saved.map { ($0.0, JSONValue.string("****")) }))
        return out
    }
}
