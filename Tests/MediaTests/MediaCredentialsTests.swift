import SwitchboardServiceKit
import Testing

@testable import Media

/// A channel's media credentials go only to its configured origins, over https (plain http
/// to loopback only): a `media.fetch` URL comes from whoever sent the inbound message, so
/// it must not choose where the carrier's account credentials are sent.
@Suite struct MediaCredentialsTests {
    private func settings(_ json: String) throws(ConfigurationError) -> MediaSettings {
        try MediaSettings(environment: EnvironmentVariables(["SWITCHBOARD_MEDIA_CREDENTIALS": json]))
    }

    @Test func credentialsAreSentOnlyToTheirOrigins() throws {
        let parsed = try settings(
            #"{"twilio-main": {"user": "AC1", "password": "secret", "origins": ["https://api.twilio.com", "https://media.example.com:8443/"]}}"#)
        let credentials = try #require(parsed.credentials["twilio-main"])
        #expect(credentials.mayBeSent(to: try FetchURL(parsing: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1")))
        #expect(credentials.mayBeSent(to: try FetchURL(parsing: "HTTPS://API.TWILIO.COM:443/x")))
        #expect(credentials.mayBeSent(to: try FetchURL(parsing: "https://media.example.com:8443/a.png")))
        #expect(!credentials.mayBeSent(to: try FetchURL(parsing: "https://attacker.example/a.png")))
        #expect(!credentials.mayBeSent(to: try FetchURL(parsing: "http://api.twilio.com/x")), "not over plain http")
        #expect(!credentials.mayBeSent(to: try FetchURL(parsing: "https://api.twilio.com:8443/x")), "another port")
        #expect(!credentials.mayBeSent(to: try FetchURL(parsing: "https://evil.api.twilio.com/x")))
        #expect(!"\(credentials)".contains("secret"))
    }

    @Test func plainHTTPIsAllowedToLoopbackOnly() throws {
        let parsed = try settings(
            #"{"dev": {"user": "u", "password": "p", "origins": ["http://127.0.0.1:9000", "http://[::1]:9001", "http://localhost:9002"]}}"#)
        let credentials = try #require(parsed.credentials["dev"])
        #expect(credentials.mayBeSent(to: try FetchURL(parsing: "http://127.0.0.1:9000/a.png")))
        #expect(credentials.mayBeSent(to: try FetchURL(parsing: "http://[::1]:9001/a.png")))
        #expect(!credentials.mayBeSent(to: try FetchURL(parsing: "http://127.0.0.1:9001/a.png")))
    }

    @Test(arguments: [
        (#"{"c": {"user": "u", "password": "p"}}"#, "\"origins\" must list"),
        (#"{"c": {"user": "u", "password": "p", "origins": []}}"#, "\"origins\" must list"),
        (#"{"c": {"user": "u", "password": "p", "origins": ["http://media.example.com"]}}"#, "plain http"),
        (#"{"c": {"user": "u", "password": "p", "origins": ["https://api.twilio.com/2010-04-01"]}}"#, "is not an origin"),
        (#"{"c": {"user": "u", "password": "p", "origins": ["https://api.twilio.com/?x"]}}"#, "is not an origin"),
        (#"{"c": {"user": "u", "password": "p", "origins": ["api.twilio.com"]}}"#, "is not an origin"),
        (#"{"c": {"user": "u", "password": "p", "origins": ["ftp://api.twilio.com"]}}"#, "is not an origin"),
        (#"{"c": {"user": "u", "password": "p", "origins": ["https://a.example", "https://AC1:hidden-token@api.twilio.com"]}}"#, "origin 2 is"),
    ])
    func anEntryWithoutSafeOriginsStopsTheService(json: String, reason: String) {
        do {
            _ = try settings(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".contains("SWITCHBOARD_MEDIA_CREDENTIALS"), "\(error)")
            #expect("\(error)".contains("channel \"c\""), "\(error)")
            #expect("\(error)".contains(reason), "\(error)")
            #expect(!"\(error)".contains("\"p\""), "never the password: \(error)")
            #expect(!"\(error)".contains("hidden-token"), "never what an origin's user information holds: \(error)")
        }
    }
}
