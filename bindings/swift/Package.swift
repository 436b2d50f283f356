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
// On Linux (scripts/swift-tests.sh: Debian trixie's swiftlang in a chroot)
// there is no XCFramework: the C module is a system-library target over the
// generated headers in Sources/QoltanbaFFI (build output, filled in by that
// script with a module.modulemap that links libqoltanba_ffi.so), and the
// Apple-only link settings are dropped. The Apple path is unchanged.
import PackageDescription

let package = Package(
    name: "Qoltanba",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Qoltanba", targets: ["Qoltanba"]),
    ],
    targets: [
        .binaryTarget(name: "QoltanbaFFI", path: "QoltanbaFFI.xcframework"),
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
