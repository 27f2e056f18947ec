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
    struct Applied {
        var params: [String: JSONValue]
        /// The entries still valid (kept in the state).
        var kept: JSONObject
        /// Params taken from the state.
        var used: [String]
        /// Params whose configured value changed since they were saved (the configured one wins).
        var stale: [String]
    }

    /// Applies the entries saved in `state` to `params`: an entry wins when the configured
    /// value is still the one it replaced.
    static func apply(_ state: JSONObject?, to params: [String: JSONValue]) -> Applied {
        var out = Applied(params: params, kept: [:], used: [], stale: [])
        guard case .object(let saved)? = state?[stateKey] else { return out }
        for (name, entry) in saved {
            guard case .object(let e) = entry, let value = e["value"] else { continue }
            // Already configured (the UI saves source changes in its saved sources too).
            if params[name] == value { continue }
            guard e["replaces"]?.stringValue == digest(params[name]) else {
                out.stale.append(name)
                continue
            }
            out.params[name] = value
            out.kept[name] = entry
            out.used.append(name)
        }
        return out
    }

    /// The entry for `value`, which replaces the configured value `configured`.
    static func entry(_ value: JSONValue, replacing configured: JSONValue?) -> JSONValue {
        ["value": value, "replaces": .string(digest(configured))]
    }

    /// A digest of a configured value (the state never holds the configured secret itself).
    static func digest(_ value: JSONValue?) -> String {
        let text = value.map { $0.stringValue ?? JSONWriter.string($0) } ?? ""
        return "sha256:" + SigV4Signer.hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// `state` with the saved param values masked: for events, logs and screens.
    public static func masked(_ state: JSONObject) -> JSONObject {
        guard case .object(let saved)? = state[stateKey] else { return state }
        var out = state
        out[stateKey] = .object(JSONObject(saved.map { ($0.0, JSONValue.string("****")) }))
        return out
    }
}
