import Glibc

/// What kind of host a connection names: TLS checks a name against the certificate's DNS
/// names (and sends it as SNI), an address against its IP names.
package enum HostAddress {
    /// Whether `host` is an IPv4 or IPv6 address rather than a name.
    package static func isIP(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
