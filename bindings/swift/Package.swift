// swift-tools-version:5.10
// 5.10, not 5.9: the Swift that uniffi 0.32 generates uses nonisolated(unsafe),
// which Swift 5.9 does not know; an older toolchain refuses here, clearly.
//
// The Swift side of qoltanba: the uniffi bindings (module Qoltanba) over the
// static library (C module QoltanbaFFI). scripts/apple.sh fills in the two
// pieces of build output it needs (see .gitignore):
//   QoltanbaFFI.xcframework            the library and its headers/modulemap
//   Sources/Qoltanba/*.swift           the generated bindings that go with it
//                                      (Qoltanba.swift, QoltanbaPki.swift,
//                                      QoltanbaCore.swift: one module)
// and runs `swift test` (Tests/QoltanbaTests) against a library built with
// feature `testing`.
//
// Where the library comes from (the binary target QoltanbaFFI), first match:
//   1. QOLTANBA_FFI_URL and QOLTANBA_FFI_CHECKSUM in the environment: a
//      released (or CI-built) QoltanbaFFI.xcframework.zip by URL and checksum;
//   2. QoltanbaFFI.xcframework next to this file: what scripts/apple.sh just
//      built (development, CI);
//   3. QoltanbaFFI.release.json next to this file, {"url": ..., "checksum": ...}:
//      the last release, checked in by the release steps (docs/bindings.md).
// With none of them, the local path stays and SwiftPM says it is missing:
// run scripts/apple.sh.
//
// On Linux (scripts/swift-tests.sh: Debian trixie's swiftlang in a chroot)
// there is no XCFramework: the C module is a system-library target over the
// generated headers in Sources/QoltanbaFFI (build output, filled in by that
// script with a module.modulemap that links libqoltanba_ffi.so), and the
// Apple-only link settings are dropped. The Apple path is unchanged.
import Foundation
import PackageDescription

let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

/// The released library named by the environment or QoltanbaFFI.release.json.
func releasedFFI() -> (url: String, checksum: String)? {
    let environment = ProcessInfo.processInfo.environment
    if let url = environment["QOLTANBA_FFI_URL"], let checksum = environment["QOLTANBA_FFI_CHECKSUM"],
       !url.isEmpty, !checksum.isEmpty {
        return (url, checksum)
    }
    if FileManager.default.fileExists(
        atPath: packageDirectory.appendingPathComponent("QoltanbaFFI.xcframework").path) {
        return nil
    }
    let manifest = packageDirectory.appendingPathComponent("QoltanbaFFI.release.json")
    guard let data = try? Data(contentsOf: manifest),
          let release = (try? JSONSerialization.jsonObject(with: data)) as? [String: String],
          let url = release["url"], let checksum = release["checksum"] else {
        return nil
    }
    return (url, checksum)
}

let qoltanbaFFI: Target = {
    if let release = releasedFFI() {
        return .binaryTarget(name: "QoltanbaFFI", url: release.url, checksum: release.checksum)
    }
    return .binaryTarget(name: "QoltanbaFFI", path: "QoltanbaFFI.xcframework")
}()

let package = Package(
    name: "Qoltanba",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Qoltanba", targets: ["Qoltanba"]),
    ],
    targets: [
        qoltanbaFFI,
        .target(
            name: "Qoltanba",
            dependencies: ["QoltanbaFFI"],
            path: "Sources/Qoltanba",
            // What the Rust static library needs from the system: the
            // platform certificate verifier (Security, CoreFoundation), and
            // iconv for the libc crate (apple.sh prints rustc's list).
            linkerSettings: [
                .linkedFramework("Security"),
                .linkedFramework("CoreFoundation"),
                .linkedLibrary("iconv"),
            ]
        ),
        .testTarget(
            name: "QoltanbaTests",
            dependencies: ["Qoltanba"],
            path: "Tests/QoltanbaTests"
        ),
    ]
)

#if os(Linux)
package.targets.removeAll { $0.type == .binary }
package.targets.append(.systemLibrary(name: "QoltanbaFFI", path: "Sources/QoltanbaFFI"))
for target in package.targets where target.name == "Qoltanba" {
    target.linkerSettings = nil
}
#endif
