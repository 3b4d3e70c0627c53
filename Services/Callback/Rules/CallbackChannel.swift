/// How the customer is to be called back: a phone call or a text message. A dialer picks
/// `voice` callbacks, the SMS desk `sms` ones; the default is `voice`.
enum CallbackChannel: String, Sendable, Codable, Equatable, CaseIterable {
    case voice, sms

    static let `default` = CallbackChannel.voice
}
