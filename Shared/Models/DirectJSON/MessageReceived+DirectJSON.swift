extension MessageReceived: DirectJSONEncodable {
    public var jsonMembers: JSONMembers {
        var members = JSONMembers()
        members.add("message_id", messageId)
        members.add("channel", channel)
        members.add("carrier_message_id", carrierMessageId)
        members.add("from", from)
        members.add("to", to)
        members.add("text", text)
        members.add("media", media)
        members.add("received_at", receivedAt)
        members.add("accepted_at", acceptedAt)
        members.add("sequence", sequence)
        members.add("incomplete", incomplete)
        return members
    }
}

extension MessageReceived.MediaItem: DirectJSONEncodable {
    public var jsonMembers: JSONMembers {
        var members = JSONMembers()
        members.add("index", index)
        members.add("content_type", contentType)
        members.add("filename", filename)
        return members
    }
}
