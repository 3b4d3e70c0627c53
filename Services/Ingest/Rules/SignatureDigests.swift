/// The digests the carriers' webhook signatures are made of. The service uses
/// ``CryptoDigests`` (swift-crypto); the rules take them as a parameter so they stay pure.
protocol SignatureDigests: Sendable {
    func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8]
    func sha256(_ data: [UInt8]) -> [UInt8]
    func md5(_ data: [UInt8]) -> [UInt8]
}
