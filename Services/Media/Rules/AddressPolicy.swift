import Foundation

/// Which addresses the media fetcher may connect to (issue #7, docs/architecture.md section 4):
/// public unicast only, unless the operator allow-lists a host name or a network in
/// `SWITCHBOARD_MEDIA_ALLOWED_HOSTS`.
///
/// Refused (IPv4, and IPv6 addresses that embed IPv4 — mapped, NAT64, 6to4 — are checked
/// as that IPv4 address): 0.0.0.0/8 (this network), 10/8, 100.64/10 (CGNAT), 127/8,
/// 169.254/16 (link-local, cloud metadata), 172.16/12, 192.0.0/24, the documentation
/// networks 192.0.2/24, 198.51.100/24, 203.0.113/24, 192.88.99/24 (6to4 relay), 192.168/16,
/// 198.18/15 (benchmarking), 224/4 (multicast), 240/4 (reserved, broadcast).
/// IPv6: everything outside global unicast 2000::/3 (so `::`, `::1`, `::/96`,
/// `100::/64`, fc00::/7 unique-local, fe80::/10 link-local, fec0::/10, ff00::/8
/// multicast), and inside it 2001::/23 (IETF protocol assignments, Teredo) and
/// 2001:db8::/32 (documentation).
struct AddressPolicy: Sendable, Equatable {
    /// Host names let through whatever they resolve to (lower case, no trailing dot).
    var allowedHosts: Set<String> = []
    /// Networks let through (an address without a prefix length is one host).
    var allowedNetworks: [CIDR] = []

    /// Why a host or address is refused.
    enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case blockedAddress(String)
        case invalidHost(String)

        var description: String {
            switch self {
            case .blockedAddress(let address): "address \(address) is not public (private, loopback, link-local or reserved)"
            case .invalidHost(let host): "host \(host) is not a valid host name or address"
            }
        }
    }

    /// Parses `SWITCHBOARD_MEDIA_ALLOWED_HOSTS`: comma-separated host names, addresses or
    /// CIDR networks (`127.0.0.1`, `10.1.0.0/16`, `fd00::/8`, `media.example.net`).
    /// Throws with the offending entry when one is neither.
    init(allowList: String) throws(AllowListError) {
        for rawEntry in allowList.split(separator: ",") {
            let entry = rawEntry.trimmingCharacters(in: .whitespaces).lowercased()
            guard !entry.isEmpty else { continue }
            if let network = CIDR(entry) {
                allowedNetworks.append(network)
            } else if Self.isHostName(entry) {
                allowedHosts.insert(Self.canonicalHost(entry))
            } else {
                throw AllowListError(entry: entry)
            }
        }
    }

    init(allowedHosts: Set<String> = [], allowedNetworks: [CIDR] = []) {
        self.allowedHosts = allowedHosts
        self.allowedNetworks = allowedNetworks
    }

    struct AllowListError: Error, Equatable {
        let entry: String
    }

    /// A host name the operator allow-listed (its addresses are then not checked).
    func isAllowListed(host: String) -> Bool {
        allowedHosts.contains(Self.canonicalHost(host))
    }

    /// Nil when the fetcher may connect to `address`, else why not.
    func check(_ address: IPAddress) -> Refusal? {
        let address = address.normalized
        if allowedNetworks.contains(where: { $0.contains(address) }) { return nil }
        return Self.isPublic(address) ? nil : .blockedAddress(address.description)
    }

    /// Public unicast, by the ranges listed on the type.
    static func isPublic(_ address: IPAddress) -> Bool {
        switch address.normalized {
        case .v4(let value):
            return !blockedIPv4.contains { $0.contains(.v4(value)) }
        case .v6(let bytes):
            if let embedded = IPAddress.v6(bytes).embeddedIPv4 { return isPublic(.v4(embedded)) }
            // Global unicast is 2000::/3; everything else is loopback, unspecified, local,
            // multicast or reserved.
            guard bytes[0] & 0xe0 == 0x20 else { return false }
            return !blockedIPv6.contains { $0.contains(.v6(bytes)) }
        }
    }

    private static let blockedIPv4: [CIDR] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    ].map { CIDR($0)! }

    private static let blockedIPv6: [CIDR] = ["2001::/23", "2001:db8::/32"].map { CIDR($0)! }

    /// Letters, digits, `-`, `_` and dots; at most 253 characters.
    static func isHostName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-"
                    || scalar == "." || scalar == "_")
        } && !text.hasPrefix(".")
    }

    static func canonicalHost(_ host: String) -> String {
        var host = host.lowercased()
        while host.hasSuffix(".") { host.removeLast() }
        return host
    }
}

/// A network: an address and a prefix length (`10.0.0.0/8`, `fe80::/10`).
struct CIDR: Sendable, Equatable, CustomStringConvertible {
    let address: IPAddress
    let prefix: Int

    /// `a.b.c.d/n`, `v6/n`, or an address alone (a /32 or /128). The address part must be
    /// a strict literal (dotted decimal IPv4 or IPv6).
    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let addressText = String(parts[0])
        let parsed: IPAddress
        if addressText.contains(":") {
            guard let bytes = IPAddress.parseIPv6(addressText) else { return nil }
            parsed = .v6(bytes)
        } else {
            let octets = addressText.split(separator: ".", omittingEmptySubsequences: false)
            guard octets.count == 4 else { return nil }
            var value: UInt32 = 0
            for octet in octets {
                guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCIIDigit), let number = UInt32(octet), number <= 255
                else { return nil }
                value = value << 8 | number
            }
            parsed = .v4(value)
        }
        let maximum: Int
        if case .v4 = parsed { maximum = 32 } else { maximum = 128 }
        var length = maximum
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy(\.isASCIIDigit), let number = Int(parts[1]),
                number <= maximum
            else { return nil }
            length = number
        }
        if case .v6 = parsed, case .v4(let embedded) = parsed.normalized {
            // An IPv4-mapped network (::ffff:10.0.0.0/104) is the IPv4 network.
            guard length >= 96 else { return nil }
            self.init(address: .v4(embedded), prefix: length - 96)
        } else {
            self.init(address: parsed, prefix: length)
        }
    }

    init(address: IPAddress, prefix: Int) {
        self.address = address
        self.prefix = prefix
    }

    func contains(_ candidate: IPAddress) -> Bool {
        switch (address, candidate.normalized) {
        case (.v4(let network), .v4(let value)):
            guard prefix > 0 else { return true }
            let mask: UInt32 = prefix >= 32 ? .max : ~(UInt32.max >> UInt32(prefix))
            return network & mask == value & mask
        case (.v6(let network), .v6(let value)):
            var remaining = prefix
            for index in 0..<16 where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
                if network[index] & mask != value[index] & mask { return false }
                remaining -= bits
            }
            return true
        default:
            return false
        }
    }

    var description: String { "\(address)/\(prefix)" }
}
