/// An error that no retry can fix (the message breaks the contract): its message goes to
/// the dead-letter queue with this reason instead of being retried.
public protocol PermanentMessageError: Error, CustomStringConvertible {}

/// A message that could not be decoded or validated.
public struct InvalidMessage: PermanentMessageError, Equatable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
