import Foundation

/// Where a channel's carrier posts its delivery receipts: the channel's own receipt webhook
/// under its `public_base_url` (docs/architecture.md 10.1), so receipts come back to the
/// routes that already exist. Jasmin's and Kannel's carry the channel's `?token=`.
enum ReceiptWebhookURL {
    /// Nil for a channel without `public_base_url` or without receipt webhooks (amqp, simulator).
    static func url(for channel: ChannelSettings) -> String? {
        guard let base = channel.publicBaseURL else { return nil }
        let name = channel.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? channel.name
        switch channel.carrier {
        case .twilio: return "\(base)/v1/webhooks/twilio/\(name)/status"
        case .vonage: return "\(base)/v1/webhooks/vonage/\(name)/receipt"
        case .jasmin, .kannel:
            let url = "\(base)/v1/webhooks/\(channel.carrier.rawValue)/\(name)/receipt"
            guard let token = channel.credentials["url_token"] else { return url }
            return url + "?token=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token)
        case .amqp, .simulator: return nil
        }
    }
}
