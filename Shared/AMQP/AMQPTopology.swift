/// Exchanges, queues and bindings a connection declares (idempotently) every time it
/// connects, so a service works against an empty broker and after a broker reset.
public struct AMQPTopology: Sendable, Equatable {
    public struct Exchange: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case direct, topic, fanout, headers
            case consistentHash = "x-consistent-hash"
        }
        public var name: String
        public var kind: Kind
        public var arguments: [String: AMQPHeaderValue]
        /// When the broker has this exchange with other arguments (an earlier version's),
        /// delete it and declare it anew instead of failing: for an exchange whose own
        /// bindings the services re-create at connect (its other bindings are lost, which
        /// the upgrade notes say).
        public var replacesEarlierDeclaration: Bool
        public init(name: String, kind: Kind, arguments: [String: AMQPHeaderValue] = [:], replacesEarlierDeclaration: Bool = false) {
            self.name = name
            self.kind = kind
            self.arguments = arguments
            self.replacesEarlierDeclaration = replacesEarlierDeclaration
        }
    }

    /// An exchange-to-exchange binding: messages matching `routingKey` on `source` also
    /// go through `destination`.
    public struct ExchangeBinding: Sendable, Equatable {
        public var destination: String
        public var source: String
        public var routingKey: String
        public init(destination: String, source: String, routingKey: String) {
            self.destination = destination
            self.source = source
            self.routingKey = routingKey
        }
    }

    public struct Queue: Sendable, Equatable {
        public var name: String
        public var arguments: [String: AMQPHeaderValue]
        /// When the queue exists with other arguments (an earlier version declared it, and
        /// RabbitMQ cannot change a queue's arguments), use it as it is and log a warning
        /// naming the difference, instead of refusing to connect. For a queue other systems
        /// publish to, which cannot be replaced without them: the operator recreates it
        /// (docs/architecture.md section 6 says how).
        public var keepsEarlierDeclaration: Bool
        public init(name: String, arguments: [String: AMQPHeaderValue], keepsEarlierDeclaration: Bool = false) {
            self.name = name
            self.arguments = arguments
            self.keepsEarlierDeclaration = keepsEarlierDeclaration
        }
    }

    public struct Binding: Sendable, Equatable {
        public var queue: String
        public var exchange: String
        public var routingKey: String
        public init(queue: String, exchange: String, routingKey: String) {
            self.queue = queue
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    public var exchanges: [Exchange]
    public var queues: [Queue]
    public var bindings: [Binding]
    public var exchangeBindings: [ExchangeBinding]
    /// Bindings an earlier version declared and this one must not have: removed at connect
    /// (unbinding is idempotent), so an upgrade never leaves a second route behind.
    public var obsoleteBindings: [Binding]

    public init(
        exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = [], exchangeBindings: [ExchangeBinding] = [],
        obsoleteBindings: [Binding] = []
    ) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
        self.exchangeBindings = exchangeBindings
        self.obsoleteBindings = obsoleteBindings
    }
}
