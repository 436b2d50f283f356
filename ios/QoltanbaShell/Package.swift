// swift-tools-version:5.10
// The iOS app's platform-free code (the "shell"): the renewal journey, the
// card transport over an ISO 7816 channel, the card reader, push, reminders,
// deep links and the language. Foundation only (no UIKit, CoreNFC, Combine
// or UserNotifications), so it builds and is tested on Linux too
// (scripts/swift-tests.sh) against the real library; the app (ios/App) wraps
// the Apple frameworks around it. It mirrors the Android app's :shell
// (android/shell/src/main/kotlin).
import PackageDescription

let package = Package(
    name: "QoltanbaShell",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "QoltanbaShell", targets: ["QoltanbaShell"]),
    ],
    dependencies: [
        // The bindings' package (module Qoltanba); its identity is its
        // directory's name.
        .package(path: "../../bindings/swift"),
    ],
    targets: [
        .target(
            name: "QoltanbaShell",
            dependencies: [.product(name: "Qoltanba", package: "swift")]
        ),
        .testTarget(
            name: "QoltanbaShellTests",
            dependencies: ["QoltanbaShell"]
        ),
    ]
)
