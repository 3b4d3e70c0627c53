public import Foundation

extension CloudEvent {
    /// The event as ``SwitchboardJSON/encoder()`` writes it, without Foundation's encoder,
    /// when its payload writes its own JSON (``DirectJSONEncodable``); nil otherwise.
    public func directJSON() -> Data? {
        guard let payload = data as? any DirectJSONEncodable else { return nil }
        var members = JSONMembers()
        members.add("data", .object(payload.jsonMembers))
        members.add("datacontenttype", datacontenttype)
        members.add("id", id)
        members.add("source", source)
        members.add("specversion", specversion)
        members.add("subject", subject)
        members.add("time", time)
        members.add("traceparent", traceparent)
        members.add("type", type)
        var writer = JSONByteWriter()
        writer.write(members)
        return Data(writer.bytes)
    }
}
