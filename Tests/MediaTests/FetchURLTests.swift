import Testing

@testable import Media

/// Issue #7: http/https only, strict parsing, redirects resolved and re-checked by hand.
@Suite struct FetchURLTests {
    @Test func parsesHTTPAndHTTPS() throws {
        let url = try FetchURL(parsing: "HTTPS://Media.Example.COM:8443/a/b.png?x=1#frag")
        #expect(url.scheme == .https)
        #expect(url.host == "media.example.com")
        #expect(url.port == 8443)
        #expect(url.target == "/a/b.png?x=1")
        #expect(url.hostHeader == "media.example.com:8443")
        #expect(url.redacted == "https://media.example.com:8443/a/b.png")
        let plain = try FetchURL(parsing: "http://example.com")
        #expect(plain.port == 80)
        #expect(plain.target == "/")
        #expect(try FetchURL(parsing: "http://example.com?q").target == "/?q")
        let v6 = try FetchURL(parsing: "http://[2606:4700::1]:81/")
        #expect(v6.host == "2606:4700::1")
        #expect(v6.hostHeader == "[2606:4700::1]:81")
    }

    @Test(arguments: ["ftp://example.com/a", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)", "data:image/png;base64,AA"])
    func otherSchemesAreRefused(url: String) {
        #expect(throws: FetchURL.Refusal.self) { try FetchURL(parsing: url) }
    }

    @Test(arguments: [
        "http://user:pass@example.com/", "http://example.com@127.0.0.1/", "http:/example.com/", "http://exa mple.com/",
        "http://example.com\\@127.0.0.1/", "http://[::1/", "http://[fe80::1%25eth0]/", "http://example.com:0/",
        "http://example.com:65536/", "http://exa%6dple.com/", "http://ex\u{0430}mple.com/", "http:///a", "",
    ])
    func malformedURLsAreRefused(url: String) {
        #expect(throws: FetchURL.Refusal.self) { try FetchURL(parsing: url) }
    }

    @Test func relativeLocationsResolve() throws {
        let base = try FetchURL(parsing: "https://cdn.example.com/media/a/b.png?sig=1")
        #expect(try base.resolving("c.png").description == "https://cdn.example.com/media/a/c.png")
        #expect(try base.resolving("../c.png?x=2").description == "https://cdn.example.com/media/c.png?x=2")
        #expect(try base.resolving("/root.png").description == "https://cdn.example.com/root.png")
        #expect(try base.resolving("?v=3").description == "https://cdn.example.com/media/a/b.png?v=3")
        #expect(try base.resolving("//other.example.net/x").description == "https://other.example.net/x")
        #expect(try base.resolving("https://other.example.net:444/y#f").description == "https://other.example.net:444/y")
        #expect(try base.resolving("../../../../etc").description == "https://cdn.example.com/etc")
        #expect(try base.resolving("./").description == "https://cdn.example.com/media/a/")
    }

    @Test func redirectsAreFollowedAtMostThreeTimes() throws {
        let policy = RedirectPolicy()
        let start = try FetchURL(parsing: "https://a.example.com/1")
        var url = start
        for followed in 0..<3 {
            url = try policy.next(from: url, status: 302, location: "/\(followed + 2)", followed: followed)
        }
        #expect(url.description == "https://a.example.com/4")
        #expect(throws: RedirectPolicy.Refusal.tooManyRedirects(3)) {
            try policy.next(from: url, status: 302, location: "/5", followed: 3)
        }
    }

    @Test func redirectsThatDowngradeOrLeaveHTTPAreRefused() throws {
        let policy = RedirectPolicy()
        let secure = try FetchURL(parsing: "https://a.example.com/x")
        #expect(throws: RedirectPolicy.Refusal.schemeDowngrade) {
            try policy.next(from: secure, status: 301, location: "http://a.example.com/x", followed: 0)
        }
        #expect(throws: RedirectPolicy.Refusal.self) {
            try policy.next(from: secure, status: 302, location: "ftp://a.example.com/x", followed: 0)
        }
        #expect(throws: RedirectPolicy.Refusal.self) {
            try policy.next(from: secure, status: 302, location: "file:///etc/passwd", followed: 0)
        }
        #expect(throws: RedirectPolicy.Refusal.missingLocation(302)) {
            try policy.next(from: secure, status: 302, location: nil, followed: 0)
        }
        let plain = try FetchURL(parsing: "http://a.example.com/x")
        #expect(try policy.next(from: plain, status: 308, location: "https://b.example.com/y", followed: 0).scheme == .https)
        #expect(RedirectPolicy.isRedirect(307))
        #expect(!RedirectPolicy.isRedirect(304))
        #expect(!RedirectPolicy.isRedirect(300))
    }

    @Test func redirectTargetsKeepTheirAddressForTheCheck() throws {
        let policy = RedirectPolicy()
        let start = try FetchURL(parsing: "https://a.example.com/x")
        let next = try policy.next(from: start, status: 302, location: "https://0x7f.1/admin", followed: 0)
        #expect(next.address == .v4(0x7f00_0001))
        #expect(AddressPolicy().check(try #require(next.address)) != nil)
    }

    @Test func credentialsStayWithTheOriginalOrigin() throws {
        let policy = RedirectPolicy()
        let original = try FetchURL(parsing: "https://api.twilio.com/2010/Media/ME1")
        #expect(policy.sendsCredentials(to: try original.resolving("/other"), original: original))
        #expect(!policy.sendsCredentials(to: try FetchURL(parsing: "https://s3.amazonaws.com/x"), original: original))
        #expect(!policy.sendsCredentials(to: try FetchURL(parsing: "https://api.twilio.com:444/x"), original: original))
        #expect(!policy.sendsCredentials(to: try FetchURL(parsing: "https://evil.api.twilio.com/x"), original: original))
    }
}
