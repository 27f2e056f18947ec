import Foundation
import PanoplyKit

/// The SSH tunnel params every database source shares (`ssh_tunnel`, `ssh_host`, ...),
/// validated with the original SDK's `SSHTunnel` messages.
struct SSHTunnelSettings: Sendable {
    var host: String
    var port: Int
    var user: String
    /// An OpenSSH or PEM private key (RSA, Ed25519, ECDSA), as text or a path to a file.
    var privateKey: String?
    var password: String?
    /// known_hosts lines (or a path to a known_hosts file); nil trusts the host key on first
    /// use (``SSHHostTrust``).
    var knownHosts: String?

    static let params: [SourceParam] = [
        SourceParam(
            "ssh_tunnel", title: "SSH tunnel", kind: .boolean, default: "false",
            help: "Reach the database through an SSH bastion host (the ssh_* fields apply when this is on)"),
        SourceParam("ssh_host", title: "SSH host", placeholder: "bastion.example.com", help: "Applies when ssh_tunnel is on: the SSH server to tunnel through")
            .visible(when: "ssh_tunnel", is: "true"),
        SourceParam("ssh_port", title: "SSH port", kind: .number, default: "22", placeholder: "22", help: "Applies when ssh_tunnel is on").visible(
            when: "ssh_tunnel", is: "true"),
        SourceParam("ssh_user", title: "SSH user", placeholder: "tunnel", help: "Applies when ssh_tunnel is on: the user on the SSH host").visible(
            when: "ssh_tunnel", is: "true"),
        SourceParam(
            "ssh_private_key", title: "SSH private key", kind: .secret, placeholder: "-----BEGIN OPENSSH PRIVATE KEY-----",
            help: "Applies when ssh_tunnel is on: the private key (RSA or Ed25519), as text or a file path; never logged"
        ).visible(when: "ssh_tunnel", is: "true"),
        SourceParam("ssh_password", title: "SSH password", kind: .secret, help: "Applies when ssh_tunnel is on: password login instead of a key; never logged")
            .visible(when: "ssh_tunnel", is: "true"),
        SourceParam(
            "ssh_known_hosts", title: "SSH known hosts", kind: .multiline, placeholder: "bastion.example.com ssh-ed25519 AAAA...",
            help:
                "Applies when ssh_tunnel is on: known_hosts lines (or a file) the SSH host's key must match; empty: trusted on first use, kept in the config folder"
        ).visible(when: "ssh_tunnel", is: "true")
    ]

    /// The tunnel's settings, or nil when `ssh_tunnel` is off.
    /// - Throws: ``PanoplyError`` (config) with the original SDK's message for a missing
    ///   field or a port out of range.
    static func from(_ source: SourceInput) throws -> SSHTunnelSettings? {
        guard source.bool("ssh_tunnel") == true else { return nil }
        func required(_ name: String) throws -> String {
            guard let v = source.string(name) else { throw PanoplyError.config("SSH tunnel object should contain `\(name)` property") }
            return v
        }
        let host = try required("ssh_host")
        let user = try required("ssh_user")
        let port: Int
        if let text = source.string("ssh_port") {
            guard let p = Int(text.trimmingCharacters(in: .whitespaces)) else { throw PanoplyError.config("Port should be instance of `int`") }
            port = p
        } else {
            port = 22
        }
        guard (0...65535).contains(port) else { throw PanoplyError.config("Port should be in range [0: 65535]") }
        let key = source.string("ssh_private_key")
        let password = source.string("ssh_password")
        guard key != nil || password != nil else {
            throw PanoplyError.config("SSH tunnel object should contain `ssh_private_key` (or `ssh_password`) property")
        }
        return SSHTunnelSettings(
            host: host, port: port, user: user, privateKey: key, password: password,
            knownHosts: source.string("ssh_known_hosts"))
    }

    /// `user@host:port`, for messages.
    var display: String { "\(user)@\(host):\(port)" }
}
