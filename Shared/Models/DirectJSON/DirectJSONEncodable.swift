/// A type on the per-message path that writes its own JSON object, byte for byte what
/// ``SwitchboardJSON/encoder()`` writes for it (snake-case keys, sorted; RFC 3339 times;
/// `nil` members left out; slashes unescaped), without Foundation's generic encoder.
///
/// Foundation's `JSONEncoder` boxes every value and key through its containers: encoding
/// one event was an eighth of session's CPU at 1,000 SMS/s. Only the events every inbound
/// SMS causes take this path (``CloudEvent/directJSON()``); unit tests hold each of them
/// to Foundation's bytes.
public protocol DirectJSONEncodable: Encodable {
    /// The object's members, keys as written in the JSON.
    var jsonMembers: JSONMembers { get }
}
