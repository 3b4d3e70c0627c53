public import Hummingbird
public import NIOCore
import SwitchboardModels

/// The request context of every Switchboard route: Hummingbird's core context plus who is
/// calling and the trace this request continues, both set once by ``RequestIdentityMiddleware``
/// before any route runs.
public struct SwitchboardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The outcome of checking the bearer token: the caller, or why it is refused (401).
    public var authentication: Result<Identity, APIError> = .failure(.unauthorized)
    /// A child of the request's `traceparent` (or a new trace), for the events the
    /// request causes.
    public var traceparent: String = TraceContext.newTraceparent()

    /// The connection the request came on: a long-lived response (the live stream) closes
    /// it to cut off a client that stopped reading, which no write can do while it waits.
    public let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The authenticated caller, or 401.
    public func identity() throws(APIError) -> Identity {
        try authentication.get()
    }

    /// The authenticated caller if it has one of `roles`: 401 without a valid token, 403
    /// without the role.
    public func identity(anyOf roles: Identity.Role...) throws(APIError) -> Identity {
        let identity = try authentication.get()
        guard !identity.roles.isDisjoint(with: roles) else {
            throw .forbidden("This operation needs the role \(roles.map(\.rawValue).joined(separator: " or ")).")
        }
        return identity
    }
}
