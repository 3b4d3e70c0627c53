import Foundation
import SwitchboardServiceKit
import Testing

@testable import Ingest

@Suite("Channel credentials sealed at rest")
struct CredentialsCipherTests {
    static let key = Data(repeating: 7, count: 32).base64EncodedString()
    static let otherKey = Data(repeating: 9, count: 32).base64EncodedString()
    let credentials = ["auth_token": "tok-5e3ret", "signature_secret": "sig-s3cret"]

    @Test func sealedCredentialsOpenWithTheSameKeyAndHideTheSecrets() throws {
        let cipher = try CredentialsCipher(base64Key: Self.key)
        let stored = try cipher.seal(credentials)
        #expect(!stored.contains("tok-5e3ret") && !stored.contains("sig-s3cret") && !stored.contains("auth_token"))
        #expect(try cipher.open(stored) == credentials)
        #expect(try cipher.seal(credentials) != stored, "a fresh nonce per write")
    }

    @Test func anotherKeyOrNoKeyCannotReadThem() throws {
        let stored = try CredentialsCipher(base64Key: Self.key).seal(credentials)
        #expect(throws: CredentialsUnreadable.self) { try CredentialsCipher(base64Key: Self.otherKey).open(stored) }
        #expect(throws: CredentialsUnreadable.self) { try CredentialsCipher.openWithoutKey(stored) }
    }

    @Test func plainCredentialsFromBeforeAKeyAreStillRead() throws {
        let plain = #"{"auth_token":"legacy"}"#
        #expect(try CredentialsCipher(base64Key: Self.key).open(plain) == ["auth_token": "legacy"])
        #expect(try CredentialsCipher.openWithoutKey(plain) == ["auth_token": "legacy"])
        #expect(try CredentialsCipher.openWithoutKey("{}") == [:])
    }

    @Test func aKeyThatIsNot32BytesOfBase64IsAConfigurationError() {
        #expect(
            throws: ConfigurationError.invalid(
                variable: "SWITCHBOARD_CREDENTIALS_KEY", reason: "must be 32 bytes encoded as base64 (openssl rand -base64 32)"
            )
        ) { try CredentialsCipher(base64Key: Data(repeating: 1, count: 16).base64EncodedString()) }
        #expect(throws: ConfigurationError.self) { try CredentialsCipher(base64Key: "not base64!") }
    }
}
