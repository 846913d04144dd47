// swift-tools-version:6.0
import PackageDescription

// Dependencies point inward: CLI → Gateway / AuditStore → WireFormats → Governance.
// Only LWSRuntime, Gateway, GatewaySimulator, Notifications and MetricsEndpoint import
// CLibWebsockets (lws's client and server roles), only AuditStore imports CSQLite and only
// Configuration CYAML.
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
        // The runtime layer, one of each: the thread helper, the condition lock, the wall clock
        // and the host:port parser. Glibc only, so the store need not link lws.
        .target(name: "Runtime"),
        // The runtime's lws half: the service thread that owns each lws context, its timer and
        // the HTTP write every lws user here shares.
        .target(name: "LWSRuntime", dependencies: ["CLibWebsockets", "Runtime"]),
        // The libwebsockets client of the OpenClaw Gateway.
        .target(
            name: "Gateway",
            dependencies: [
                "WireFormats",
                "CLibWebsockets",
                "LWSRuntime",
                "Runtime",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The SQLite audit store: wrapper, migrations, batched writer, query, export, verify.
        .target(
            name: "AuditStore",
            dependencies: [
                "Governance",
                "WireFormats",
                "Runtime",
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
                "Runtime",
                "CYAML",
            ]
        ),
        // sd_notify(3) without libsystemd: READY/STOPPING/WATCHDOG/STATUS datagrams.
        .target(name: "SystemdNotify"),
        // The MO§ES files on this host: the audit ledger tail and the state.json watch.
        .target(
            name: "MosesFiles",
            dependencies: ["Governance", "WireFormats", "Runtime", .product(name: "Logging", package: "swift-log")]
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
                "LWSRuntime",
                "Runtime",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The Prometheus text endpoint: rendering and an lws server-role HTTP listener (lws,
        // not a new HTTP server dependency, for the same reason as Notifications).
        .target(
            name: "MetricsEndpoint",
            dependencies: [
                "CLibWebsockets",
                "LWSRuntime",
                "Runtime",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Tools, not the product (as swift-nio keeps NIOPerformanceTester apart from NIOCore).
        // The embedded OpenClaw gateway (lws server role) for `demo`, `simulate`, the tests
        // and the live bench.
        .target(
            name: "GatewaySimulator",
            dependencies: [
                "Gateway",
                "WireFormats",
                "CLibWebsockets",
                "LWSRuntime",
                "Runtime",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The stages of `moses-coordinator bench`, a folder for each thing measured.
        .target(
            name: "Benchmarks",
            dependencies: [
                "Governance",
                "WireFormats",
                "AuditStore",
                "Gateway",
                "GatewaySimulator",
                "Daemon",
                "Runtime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The daemon as a library: the judging pipeline, settings, signals, the services and
        // their group, and the one place that wires them (`run`, `demo` and the bench build it).
        .target(
            name: "Daemon",
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
                "Runtime",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "CoordinatorCLI",
            dependencies: [
                "Daemon",
                "Benchmarks",
                "GatewaySimulator",
                "Governance",
                "Configuration",
                "SystemdNotify",
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
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "LWSRuntime", "CLibWebsockets"]),
        .testTarget(name: "WireFormatsTests", dependencies: ["TestSupport", "WireFormats"]),
        .testTarget(name: "GatewayTests", dependencies: ["TestSupport", "Gateway", "GatewaySimulator"]),
        .testTarget(name: "AuditStoreTests", dependencies: ["TestSupport", "AuditStore", "Runtime"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["TestSupport", "Benchmarks", "AuditStore", "WireFormats"]),
        .testTarget(
            name: "MosesFilesTests",
            dependencies: ["TestSupport", "MosesFiles", "AuditStore", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration"]),
        .testTarget(name: "SystemdNotifyTests", dependencies: ["SystemdNotify", "TestSupport"]),
        .testTarget(name: "NotificationsTests", dependencies: ["TestSupport", "Notifications", "CLibWebsockets", "LWSRuntime", "Runtime"]),
        .testTarget(
            name: "DaemonTests",
            dependencies: ["Daemon", "TestSupport", "AuditStore", "Gateway", "GatewaySimulator", "WireFormats", "Runtime", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "MetricsEndpointTests",
            dependencies: ["MetricsEndpoint", "AuditStore", "Gateway", "MosesFiles", "Notifications", "Configuration", "WireFormats", "TestSupport"]
        ),
        // Runs the built binary; captures and expected outputs are read from the source tree.
        .testTarget(
            name: "CoordinatorCLITests",
            dependencies: ["CoordinatorCLI", "TestSupport"],
            exclude: ["Captures"]
        ),
    ]
)
