// swift-tools-version:6.1
import PackageDescription

// MARK: - Shared settings

/// Every target is compiled in Swift 6 language mode (strict concurrency) and treats
/// the upcoming features we rely on as on.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let serviceKitDependencies: [Target.Dependency] = [
    "SwitchboardModels",
    "SwitchboardAMQP",
    "SwitchboardDatabase",
    "SwitchboardServiceKit",
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "Logging", package: "swift-log"),
    .product(name: "Metrics", package: "swift-metrics"),
    .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
]

/// One executable per service: `Services/<Name>`, product `<name>`.
func service(_ name: String, extra: [Target.Dependency] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: serviceKitDependencies + extra,
        path: "Services/\(name)",
        resources: [.copy("openapi.yaml")],
        swiftSettings: swiftSettings
    )
}

/// A library module under `Shared/<directory>`.
func shared(_ name: String, directory: String, dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, path: "Shared/\(directory)", swiftSettings: swiftSettings)
}

let serviceNames = ["Ingest", "Session", "Transfer", "Contacts", "Callback", "Media"]

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v14)],
    products: serviceNames.map { .executable(name: $0.lowercased(), targets: [$0]) } + [
        .executable(name: "switchboardctl", targets: ["SwitchboardCtl"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // MARK: Shared modules
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .systemLibrary(
            name: "CVips",
            path: "Shared/CVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        .systemLibrary(
            name: "CHunspell",
            path: "Shared/CHunspell",
            pkgConfig: "hunspell",
            providers: [.apt(["libhunspell-dev"])]
        ),
        shared(
            "SwitchboardModels", directory: "Models",
            dependencies: [
                .product(name: "NIOFoundationCompat", package: "swift-nio")
            ]),
        shared(
            "SwitchboardAMQP", directory: "AMQP",
            dependencies: [
                "CRabbitMQ",
                "SwitchboardModels",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        shared(
            "SwitchboardDatabase", directory: "Database",
            dependencies: [
                "SwitchboardModels",
                "SwitchboardAMQP",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        shared(
            "SwitchboardServiceKit", directory: "ServiceKit",
            dependencies: [
                "SwitchboardModels",
                "SwitchboardAMQP",
                "SwitchboardDatabase",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // MARK: Services
    ]
        + serviceNames.map { name in
            switch name {
            // Ingest verifies carrier signatures (HMAC-SHA1, SHA-256, MD5) with swift-crypto and
            // sends replies through the carriers' HTTP APIs with async-http-client.
            case "Ingest":
                service(
                    name,
                    extra: [
                        .product(name: "Crypto", package: "swift-crypto"),
                        .product(name: "AsyncHTTPClient", package: "async-http-client"),
                    ])
            // Media hashes content (SHA-256), fetches over NIO (TLS with swift-nio-ssl), thumbnails with libvips.
            case "Media":
                service(
                    name,
                    extra: [
                        "CVips",
                        .product(name: "Crypto", package: "swift-crypto"),
                        .product(name: "NIOCore", package: "swift-nio"),
                        .product(name: "NIOPosix", package: "swift-nio"),
                        .product(name: "NIOHTTP1", package: "swift-nio"),
                        .product(name: "NIOSSL", package: "swift-nio-ssl"),
                    ])
            // Transfer serves the desktops' live stream (SSE over NIO) and hashes its tickets.
            case "Transfer":
                service(
                    name,
                    extra: [
                        .product(name: "Crypto", package: "swift-crypto"),
                        .product(name: "NIOCore", package: "swift-nio"),
                    ])
            // Session spell-checks the SMS preview with Hunspell.
            case "Session":
                service(name, extra: ["CHunspell"])
            default: service(name)
            }
        } + [
            .executableTarget(
                name: "SwitchboardCtl",
                dependencies: [
                    "SwitchboardServiceKit",
                    .product(name: "ArgumentParser", package: "swift-argument-parser"),
                    .product(name: "JWTKit", package: "jwt-kit"),
                ],
                path: "Tools/SwitchboardCtl",
                swiftSettings: swiftSettings
            ),

            // MARK: Tests
            .testTarget(name: "ModelsTests", dependencies: ["SwitchboardModels", "SwitchboardTestSupport"], swiftSettings: swiftSettings),
            .testTarget(
                name: "AMQPTests",
                dependencies: ["SwitchboardAMQP", "SwitchboardDatabase"],
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "ServiceKitTests",
                dependencies: [
                    "SwitchboardServiceKit",
                    "SwitchboardDatabase",
                    "SwitchboardTestSupport",
                    .product(name: "HummingbirdTesting", package: "hummingbird"),
                    .product(name: "JWTKit", package: "jwt-kit"),
                    .product(name: "Crypto", package: "swift-crypto"),
                    .product(name: "NIOCore", package: "swift-nio"),
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                ],
                swiftSettings: swiftSettings
            ),
            // What the service test targets share: tokens, a bootstrap without I/O, router-test helpers.
            .target(
                name: "SwitchboardTestSupport",
                dependencies: [
                    "SwitchboardServiceKit",
                    "SwitchboardModels",
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "HummingbirdTesting", package: "hummingbird"),
                    .product(name: "JWTKit", package: "jwt-kit"),
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "Prometheus", package: "swift-prometheus"),
                    .product(name: "NIOCore", package: "swift-nio"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                ],
                path: "Tests/Support",
                swiftSettings: swiftSettings
            ),
        ]
        + serviceNames.map { name in
            // Rules without I/O, and each service's router built by its real `build`, driven
            // through HummingbirdTesting without RabbitMQ or PostgreSQL.
            .testTarget(
                name: "\(name)Tests",
                dependencies: [
                    .target(name: name),
                    "SwitchboardModels",
                    "SwitchboardServiceKit",
                    "SwitchboardTestSupport",
                    .product(name: "HummingbirdTesting", package: "hummingbird"),
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                ],
                swiftSettings: swiftSettings
            )
        } + [
            .testTarget(
                name: "IntegrationTests",
                dependencies: [
                    "Contacts",
                    "Ingest",
                    "Media",
                    "Session",
                    "Transfer",
                    "SwitchboardAMQP",
                    "SwitchboardDatabase",
                    "SwitchboardModels",
                    "SwitchboardServiceKit",
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                ],
                swiftSettings: swiftSettings
            )
        ]
)
