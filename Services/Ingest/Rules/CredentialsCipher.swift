import Crypto
import Foundation
import SwitchboardServiceKit

/// Seals channel credentials (carrier auth tokens, signature secrets) at rest with
/// AES-256-GCM and a fresh random nonce per write, so a database dump or backup does not
/// hand out the keys to the organisation's carrier accounts. The key comes from
/// `SWITCHBOARD_CREDENTIALS_KEY` (32 bytes, base64).
///
/// Stored form (a JSON object in `ingest.channels.credentials`): `{"v": 1, "sealed":
/// "<base64 of nonce ‖ ciphertext ‖ tag>"}`. A plain object without `sealed` is read as is:
/// rows written before a key was configured, sealed on their next save.
struct CredentialsCipher: Sendable {
    static let variable = "SWITCHBOARD_CREDENTIALS_KEY"
    private let key: SymmetricKey

    /// - Throws: when the key is not 32 bytes of base64 (the variable is named, never the value).
    init(base64Key: String) throws(ConfigurationError) {
        guard let bytes = Data(base64Encoded: base64Key.trimmingCharacters(in: .whitespaces)), bytes.count == 32 else {
            throw .invalid(variable: Self.variable, reason: "must be 32 bytes encoded as base64 (openssl rand -base64 32)")
        }
        key = SymmetricKey(data: bytes)
    }

    /// The stored JSON text for `credentials`.
    func seal(_ credentials: [String: String]) throws -> String {
        let plain = try JSONEncoder().encode(credentials)
        guard let combined = try AES.GCM.seal(plain, using: key).combined else { throw CredentialsUnreadable(reason: "sealing failed") }
        let stored = StoredCredentials(v: 1, sealed: combined.base64EncodedString())
        return String(decoding: try JSONEncoder().encode(stored), as: UTF8.self)
    }

    /// The credentials from their stored JSON text (sealed, or plain from before a key).
    /// - Throws: ``CredentialsUnreadable`` when sealed with another key, or not credentials.
    func open(_ stored: String) throws(CredentialsUnreadable) -> [String: String] {
        let data = Data(stored.utf8)
        guard let sealed = try? JSONDecoder().decode(StoredCredentials.self, from: data) else {
            return try Self.plain(data)
        }
        guard let combined = Data(base64Encoded: sealed.sealed),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let plain = try? AES.GCM.open(box, using: key)
        else { throw CredentialsUnreadable(reason: "sealed with another key than \(Self.variable)") }
        return try Self.plain(plain)
    }

    /// Reading without a key: plain credentials as they are; sealed ones cannot be read.
    static func openWithoutKey(_ stored: String) throws(CredentialsUnreadable) -> [String: String] {
        let data = Data(stored.utf8)
        if (try? JSONDecoder().decode(StoredCredentials.self, from: data)) != nil {
            throw CredentialsUnreadable(reason: "sealed, but \(variable) is not set")
        }
        return try plain(data)
    }

    private static func plain(_ data: Data) throws(CredentialsUnreadable) -> [String: String] {
        guard let credentials = try? JSONDecoder().decode([String: String].self, from: data) else {
            throw CredentialsUnreadable(reason: "not a JSON object of strings")
        }
        return credentials
    }

    private struct StoredCredentials: Codable {
        var v: Int
        var sealed: String
    }
}

/// A channel's stored credentials that cannot be read (wrong or missing key, corrupt row).
struct CredentialsUnreadable: Error, Sendable, Equatable, CustomStringConvertible {
    var reason: String
    var description: String { "channel credentials unreadable: \(reason)" }
}
