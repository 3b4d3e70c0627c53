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
        return members
    }
}
