// swift-tools-version:6.0
import PackageDescription

// Dependencies point inward: CLI → Gateway / AuditStore → WireFormats → Governance.
// Only LWSSupport, Gateway, Notifications and MetricsEndpoint import CLibWebsockets (lws's
// client and server roles), only AuditStore imports CSQLite and only Configuration CYAML.
let package = Package(
    name: "moses-coordinator",
    products: [
        .executable(name: "moses-coordinator", targets: ["CoordinatorCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibWebsockets",
            path: "CLibWebsockets",
            pkgConfig: "libwebsockets",
            providers: [.apt(["libwebsockets-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            path: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CYAML",
            path: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // The pure governance engine: events, roles, state, policy, rules. No I/O, no clock.
        .target(name: "Governance"),
        // Bytes on the wire and on disk: OpenClaw frames, captures, MO§ES ledger lines,
        // state.json, canonical hashing, device signing; normalization into GovernanceEvent.
        .target(
            name: "WireFormats",
            dependencies: [
                "Governance",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // What every libwebsockets user here shares (the service-thread timer).
        .target(name: "LWSSupport", dependencies: ["CLibWebsockets"]),
        // The libwebsockets client of the OpenClaw Gateway and the embedded gateway simulator.
        .target(
            name: "Gateway",
            dependencies: [
                "WireFormats",
                "CLibWebsockets",
                "LWSSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The SQLite audit store: wrapper, migrations, batched writer, query, export, verify.
        .target(
            name: "AuditStore",
            dependencies: [
                "Governance",
                "WireFormats",
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The operator's configuration file: schema, defaults from Policy(), loader with
        // positioned diagnostics, effective-config rendering, and the reload holder.
        .target(
            name: "Configuration",
            dependencies: [
                "Governance",
                "WireFormats",
                "CYAML",
            ]
        ),
        // sd_notify(3) without libsystemd: READY/STOPPING/WATCHDOG/STATUS datagrams.
        .target(name: "SystemdNotify"),
        // The MO§ES files on this host: the audit ledger tail and the state.json watch.
        .target(
            name: "MosesFiles",
            dependencies: ["Governance", "WireFormats", .product(name: "Logging", package: "swift-log")]
        ),
        // The notifier: delivers the store's outbox to the webhook (lws's HTTP client role) and
        // exec channels. It imports CLibWebsockets because issue 5 asks for no new HTTP
        // dependency: lws already speaks HTTP/1.1 and TLS.
        .target(
            name: "Notifications",
            dependencies: [
                "AuditStore",
                "Configuration",
                "WireFormats",
                "CLibWebsockets",
                "LWSSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The Prometheus text endpoint: rendering and an lws server-role HTTP listener (lws,
        // not a new HTTP server dependency, for the same reason as Notifications).
        .target(
            name: "MetricsEndpoint",
            dependencies: [
                "CLibWebsockets",
                "LWSSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "CoordinatorCLI",
            dependencies: [
                "Governance",
                "Configuration",
                "SystemdNotify",
                "MosesFiles",
                "Notifications",
                "MetricsEndpoint",
                "WireFormats",
                "Gateway",
                "AuditStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The demo's scenario, compiled in so `demo` needs nothing but the binary
            // (Samples/every-violation.jsonl links here).
            resources: [.embedInCode("Resources/every-violation.jsonl")]
        ),
        // Fuzz targets (libFuzzer; `scripts/fuzz`): a plain build links each as a replayer of
        // the inputs named on its command line, a `-sanitize=fuzzer` build as a fuzzer.
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Fuzz/FuzzSupport"),
        .executableTarget(
            name: "FuzzFrames", dependencies: ["FuzzSupport", "Gateway", "WireFormats", "Governance"], path: "Fuzz/FuzzFrames"),
        .executableTarget(name: "FuzzCapture", dependencies: ["FuzzSupport", "WireFormats", "Governance"], path: "Fuzz/FuzzCapture"),
        .executableTarget(name: "FuzzLedger", dependencies: ["FuzzSupport", "WireFormats", "Governance"], path: "Fuzz/FuzzLedger"),
        .executableTarget(
            name: "FuzzStateFile", dependencies: ["FuzzSupport", "MosesFiles", "WireFormats", "Governance"], path: "Fuzz/FuzzStateFile"),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzSupport", "Configuration"], path: "Fuzz/FuzzConfig"),
        // Helpers shared by the test targets (real temporary files).
        .target(name: "TestSupport", dependencies: [.product(name: "Logging", package: "swift-log")], path: "Tests/TestSupport"),
        .testTarget(name: "GovernanceTests", dependencies: ["Governance"]),
        .testTarget(name: "WireFormatsTests", dependencies: ["TestSupport", "WireFormats"]),
        .testTarget(name: "GatewayTests", dependencies: ["TestSupport", "Gateway"]),
        .testTarget(name: "AuditStoreTests", dependencies: ["TestSupport", "AuditStore"]),
        .testTarget(
            name: "MosesFilesTests",
            dependencies: ["TestSupport", "MosesFiles", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration"]),
        .testTarget(name: "SystemdNotifyTests", dependencies: ["SystemdNotify", "TestSupport"]),
        .testTarget(name: "NotificationsTests", dependencies: ["TestSupport", "Notifications", "CLibWebsockets"]),
        .testTarget(name: "MetricsEndpointTests", dependencies: ["MetricsEndpoint", "AuditStore"]),
        // Runs the built binary; captures and expected outputs are read from the source tree.
        .testTarget(
            name: "CoordinatorCLITests",
            dependencies: ["CoordinatorCLI", "TestSupport"],
            exclude: ["Captures"]
        ),
    ]
)
