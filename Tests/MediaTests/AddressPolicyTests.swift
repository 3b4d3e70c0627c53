import Testing

@testable import Media

/// Issue #7: the fetcher connects only to public addresses unless allow-listed, whatever
/// form the host is written in.
@Suite struct AddressPolicyTests {
    let policy = AddressPolicy()

    /// The address a URL's host means, as the fetcher reads it.
    private func address(_ url: String) throws -> IPAddress? {
        try FetchURL(parsing: url).address
    }

    private func isBlocked(_ url: String, _ policy: AddressPolicy = AddressPolicy()) throws -> Bool {
        guard let address = try address(url) else { return false }
        return policy.check(address) != nil
    }

    @Test(arguments: [
        "http://127.0.0.1/a", "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://0x7F000001/",
        "http://127.1/", "http://127.0.1/", "http://017700000001/", "http://127.0.0.1./",
        "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::1]/", "http://[::]/", "http://0.0.0.0/",
        "http://0/", "http://[fe80::1]/", "http://[fc00::]/", "http://[fd12:3456::1]/", "http://[ff02::1]/",
        "http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/", "http://10.0.0.1/",
        "http://10.255.255.255/", "http://172.16.0.1/", "http://172.31.255.255/", "http://192.168.1.1/",
        "http://100.64.0.1/", "http://100.127.255.254/", "http://224.0.0.1/", "http://255.255.255.255/",
        "http://240.0.0.1/", "http://198.18.0.1/", "http://192.0.2.1/", "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/", "http://[2001:db8::1]/", "http://[::127.0.0.1]/", "http://[fec0::1]/",
        "https://[::ffff:10.0.0.1]:8443/x",
    ])
    func nonPublicAddressesAreRefused(url: String) throws {
        #expect(try isBlocked(url), "\(url) must be refused")
    }

    @Test(arguments: [
        "http://8.8.8.8/", "https://1.1.1.1/x.png", "http://172.15.255.255/", "http://172.32.0.1/",
        "http://100.63.255.255/", "http://100.128.0.1/", "http://192.169.0.1/", "http://11.0.0.1/",
        "http://[2606:4700:4700::1111]/", "http://[2a00:1450:4001::200e]/", "http://[::ffff:8.8.8.8]/",
        "http://134744072/",
    ])
    func publicAddressesAreAllowed(url: String) throws {
        #expect(try !isBlocked(url), "\(url) must be allowed")
    }

    @Test func lenientIPv4FormsMeanTheSameAddress() throws {
        let loopback = IPAddress.v4(0x7f00_0001)
        for form in ["2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "127.0.1", "0x7f000001", "0177.1"] {
            #expect(try address("http://\(form)/") == loopback, "\(form)")
        }
        #expect(try FetchURL(parsing: "http://0x7f.0.0.1/").host == "127.0.0.1")
    }

    @Test func hostsThatLookLikeBadIPv4AreRefused() {
        for host in ["1.2.3.4.5", "256.0.0.1", "0x1g.0.0.1", "1.2.3.08", "4294967296", "1.16777216"] {
            #expect(throws: FetchURL.Refusal.self, "\(host)") { try FetchURL(parsing: "http://\(host)/") }
        }
    }

    @Test func domainNamesAreNotAddresses() throws {
        #expect(try address("https://media.example.com/x") == nil)
        #expect(try address("https://1.example/x") == nil)
        #expect(try address("https://example.123x/x") == nil)
    }

    @Test func allowListByAddressAndCIDR() throws {
        let allowed = try AddressPolicy(allowList: "127.0.0.1, 10.1.0.0/16,fd00::/8 ,media.local")
        #expect(try !isBlocked("http://127.0.0.1:8080/x", allowed))
        #expect(try !isBlocked("http://0x7f.0.0.1/", allowed), "any form of an allow-listed address")
        #expect(try !isBlocked("http://[::ffff:127.0.0.1]/", allowed))
        #expect(try isBlocked("http://127.0.0.2/", allowed))
        #expect(try !isBlocked("http://10.1.200.3/", allowed))
        #expect(try isBlocked("http://10.2.0.1/", allowed))
        #expect(try !isBlocked("http://[fd12::1]/", allowed))
        #expect(try isBlocked("http://[fc00::1]/", allowed))
        #expect(allowed.isAllowListed(host: "media.local"))
        #expect(allowed.isAllowListed(host: "MEDIA.local."))
        #expect(!allowed.isAllowListed(host: "other.local"))
        #expect(!allowed.isAllowListed(host: "evil.media.local"))
    }

    @Test func allowListRejectsGarbage() {
        #expect(throws: AddressPolicy.AllowListError.self) { try AddressPolicy(allowList: "10.0.0.0/33") }
        #expect(throws: AddressPolicy.AllowListError.self) { try AddressPolicy(allowList: "http://x/") }
        #expect(throws: AddressPolicy.AllowListError.self) { try AddressPolicy(allowList: "a b") }
        #expect(throws: Never.self) { try AddressPolicy(allowList: "") }
    }

    @Test func cidrMatching() throws {
        let network = try #require(CIDR("172.16.0.0/12"))
        #expect(network.contains(.v4(0xac10_0001)))
        #expect(network.contains(.v4(0xac1f_ffff)))
        #expect(!network.contains(.v4(0xac20_0000)))
        let all = try #require(CIDR("0.0.0.0/0"))
        #expect(all.contains(.v4(0x0808_0808)))
        let v6 = try #require(CIDR("fe80::/10"))
        #expect(v6.contains(try #require(IPAddress(literal: "febf::1"))))
        #expect(!v6.contains(try #require(IPAddress(literal: "fec0::1"))))
        #expect(CIDR("1.2.3") == nil)
        #expect(CIDR("01.2.3.4/8") != nil)
        #expect(CIDR("1.2.3.4/") == nil)
    }
}
