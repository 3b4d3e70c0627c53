extension InteractionMessageAppended: DirectJSONEncodable {
    public var jsonMembers: JSONMembers {
        var members = JSONMembers()
        members.add("interaction_id", interactionId)
        members.add("seq", seq)
        members.add("kind", kind)
        members.add("direction", direction)
        members.add("message_id", messageId)
        members.add("at", at)
        members.add("media_count", mediaCount)
        members.add("entry", entry.map { JSONValue.object($0.jsonMembers) })
        return members
    }
}
