/// Which ingest channel carries the first message of an interaction an agent opens
/// (`POST /v1/interactions`, docs/architecture.md section 3), without I/O.
///
/// In order: the channel the request names; else the channel of the most recent
/// interaction between the two numbers (the carrier the customer already talks to us
/// through); else the channel of the organisation number's most recent interaction with
/// anyone (number settings hold no channel, and a number is reached through the carrier
/// that delivers its messages); else `default`, the channel of inbound messages that name
/// none.
enum OutboundChannelChoice {
    static let fallback = "default"

    static func channel(requested: String?, lastOfConversation: String?, lastOfOrganisationNumber: String?) -> String {
        requested ?? lastOfConversation ?? lastOfOrganisationNumber ?? fallback
    }
}
