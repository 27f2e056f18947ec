// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "panoply-swift",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PanoplyKit", targets: ["PanoplyKit"]),
        .library(name: "PanoplyConnectors", targets: ["PanoplyConnectors"]),
        .executable(name: "panoply", targets: ["PanoplyTUI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "PanoplyKit",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                "COpenSSL",
            ]
        ),
        // System OpenSSL (libssl-dev) for the HTTP/1.1 client's TLS: it drives the blocking
        // sockets the client already has (swift-nio-ssl would need the client on NIO).
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .target(
            name: "PanoplyConnectors",
            dependencies: [
                "PanoplyKit",
                "CSQLite",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        // The UI's model, reducer, key map and renderer: pure values, no terminal, no
        // command line, no clock or environment (a test scans its sources for them).
        // Saved sources, the destination, committed state, run history, redaction and
        // `${ENV}` references, behind the `Workspace` protocol (the config folder today).
        .target(
            name: "PanoplyWorkspace",
            dependencies: ["PanoplyKit", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The workspace in PostgreSQL (`--workspace postgres://…`): the `Workspace` protocol
        // over a schema of its own, shared by every machine that opens it.
        .target(
            name: "PanoplyWorkspacePostgres",
            dependencies: [
                "PanoplyWorkspace",
                "PanoplyKit",
                "PanoplyConnectors",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // The UI's model, reducer, key map and renderer: pure values, no terminal, no
        // command line, no clock or environment (a test scans its sources for them).
        .target(
            name: "PanoplyTUICore",
            dependencies: ["PanoplyKit", "PanoplyWorkspace"]
        ),
        .executableTarget(
            name: "PanoplyTUI",
            dependencies: [
                "CNcurses",
                "PanoplyKit",
                "PanoplyTUICore",
                "PanoplyWorkspace",
                "PanoplyWorkspacePostgres",
                "PanoplyConnectors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "PanoplyBench",
            dependencies: ["PanoplyKit"]
        ),
        // What several test targets share: the runner of the built `panoply` binary.
        .target(
            name: "PanoplyTestSupport",
            path: "Tests/PanoplyTestSupport"
        ),
        .testTarget(
            name: "PanoplyRunnerTests",
            dependencies: ["PanoplyKit", "PanoplyConnectors", "PanoplyWorkspace", "PanoplyTUI", "PanoplyTestSupport"]
        ),
        .testTarget(
            name: "PanoplyReliabilityTests",
            dependencies: ["PanoplyKit", "PanoplyConnectors", "PanoplyWorkspace", "PanoplyTUI", "PanoplyTestSupport"]
        ),
        .testTarget(
            name: "PanoplyKitTests",
            dependencies: ["PanoplyKit"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "PanoplyConnectorsTests",
            dependencies: [
                "PanoplyConnectors",
                "PanoplyKit",
                "CSQLite",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "PanoplyWorkspacePostgresTests",
            dependencies: [
                "PanoplyWorkspacePostgres",
                "PanoplyWorkspace",
                "PanoplyKit",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "PanoplyTUITests",
            dependencies: ["PanoplyTUICore", "PanoplyWorkspace", "PanoplyTUI", "PanoplyKit", "PanoplyConnectors", "PanoplyTestSupport"],
            exclude: ["__Snapshots__"]
        ),
    ]
)
