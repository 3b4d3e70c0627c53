extension TranscriptEntryView {
    /// One SMS part of an outbound message, stored as it is shown (jsonb `parts` of the
    /// transcript row). Rows written before `error_code` and `error_reason` existed lack
    /// those keys and read as nil.
    public struct PartView: Codable, Sendable, Equatable {
        public var text: String
        /// `queued`, `sent`, `delivered`, `undelivered` or `failed`.
        public var status: String
        /// The carrier's error code while the part is `undelivered` or `failed`.
        @ExplicitNull public var errorCode: String?
        /// The carrier's text for that failure, for the agent to read.
        @ExplicitNull public var errorReason: String?

        public init(text: String, status: String, errorCode: String? = nil, errorReason: String? = nil) {
            self.text = text
            self.status = status
            self.errorCode = errorCode
            self.errorReason = errorReason
        }
    }
}
