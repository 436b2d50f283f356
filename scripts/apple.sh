#!/usr/bin/env bash
# The iOS/macOS build of qoltanba-ffi, on macOS with Xcode (Swift 5.10+):
#
# 1. the static library in the release profile (the phones' profile) for
#    aarch64-apple-ios (devices), aarch64-apple-ios-sim + x86_64-apple-ios
#    (one simulator slice, lipo), aarch64-apple-darwin + x86_64-apple-darwin
#    (one macOS slice, lipo);
# 2. the Swift bindings of the same features (scripts/bindings.sh, which reads
#    the debug host library's metadata and checks the output);
# 3. target/apple/Qoltanba.xcframework (xcodebuild -create-xcframework; its
#    headers: one per crate with uniffi types, QoltanbaFFI.h, QoltanbaPkiFFI.h,
#    QoltanbaCoreFFI.h, and module.modulemap over them, the C module
#    QoltanbaFFI) with target/apple/*.swift (Qoltanba.swift, QoltanbaPki.swift,
#    QoltanbaCore.swift), the sources of the Swift module Qoltanba that go
#    with it;
# 4. the release artifact: target/apple/QoltanbaFFI.xcframework.zip (the
#    XCFramework under the binary target's name, which SwiftPM looks for in
#    the archive) and QoltanbaFFI.xcframework.zip.checksum (`swift package
#    compute-checksum`, the checksum of `.binaryTarget(name:url:checksum:)`);
#    with --release-url URL (where the zip will be downloadable from), also
#    bindings/swift/QoltanbaFFI.release.json, the checked-in pointer that
#    bindings/swift/Package.swift uses when no local XCFramework is there
#    (docs/bindings.md, "Releasing the Swift package");
# 5. unless --no-test: `swift test` of the Swift package bindings/swift
#    (Tests/QoltanbaTests) against a macOS library with feature `testing`
#    (EmbeddedServer, SimulatorCard, panicking calls): the release one when
#    --features has `testing`, else the debug host library. The NCA fixtures
#    are the repository's testdata/ (or $QOLTANBA_FIXTURES).
#
# The Swift package gets the library and sources it was last tested (or, with
# --no-test, built) with: bindings/swift/QoltanbaFFI.xcframework and
# bindings/swift/Sources/Qoltanba/*.swift, both build output.
#
#   scripts/apple.sh [--no-test] [--features LIST] [--release-url URL]
set -euo pipefail

if [ "$(uname -s)" != Darwin ]; then
    echo "scripts/apple.sh runs on macOS only (Xcode, lipo, swift); this is $(uname -s): use scripts/bindings.sh here" >&2
    exit 1
fi
cd "$(dirname "$0")/.."

test=1
features=""
release_url=""
while [ $# -gt 0 ]; do
    case "$1" in
        --no-test) test=0 ;;
        --features) features="${2:?--features needs a list}"; shift ;;
        --release-url) release_url="${2:?--release-url needs the URL the zip will have}"; shift ;;
        *) echo "usage: $0 [--no-test] [--features LIST] [--release-url URL]" >&2; exit 2 ;;
    esac
    shift
done
has_testing=0
[[ ",$features," == *",testing,"* ]] && has_testing=1
if [ -n "$release_url" ]; then
    # SwiftPM downloads binary targets over https only.
    if [[ "$release_url" != https://* ]]; then
        echo "error: --release-url must be an https URL (SwiftPM fetches binary targets over https only): $release_url" >&2
        exit 2
    fi
    if [ "$has_testing" -eq 1 ]; then
        echo "error: --release-url with --features testing: a release never ships the test-only exports" >&2
        exit 2
    fi
fi

need() { command -v "$1" >/dev/null || { echo "error: $1 is needed ($2)" >&2; exit 1; }; }
need rustup "rustup.rs"
need cargo "rustup.rs"
need xcodebuild "Xcode"
need lipo "Xcode's command line tools"
need ditto "macOS"
need swift "Xcode"
if [ "$test" -eq 1 ]; then
    # The generated Swift uses nonisolated(unsafe) (uniffi 0.31.2+): Swift 5.10.
    swift_version=$(swift --version 2>&1 | sed -nE 's/.*Swift version ([0-9]+)\.([0-9]+).*/\1 \2/p' | head -1)
    read -r swift_major swift_minor <<<"${swift_version:-0 0}"
    if [ "$swift_major" -lt 5 ] || { [ "$swift_major" -eq 5 ] && [ "$swift_minor" -lt 10 ]; }; then
        echo "error: Swift 5.10 or later is needed (Xcode 15.3+); found: $(swift --version 2>&1 | head -1)" >&2
        exit 1
    fi
    # Checked before the long builds.
    if [ -z "${QOLTANBA_FIXTURES:-}" ]; then
        QOLTANBA_FIXTURES="$PWD/testdata"
    fi
    export QOLTANBA_FIXTURES
fi

# The Package.swift platforms; C code (SQLite, ring) and Rust objects alike.
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export MACOSX_DEPLOYMENT_TARGET=12.0

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "${targets[@]}"

# Only the staticlib (the cdylib would cost a second fat-LTO link per target).
# The native libraries it needs are printed for the app's linker settings.
for t in "${targets[@]}"; do
    echo "building: qoltanba-ffi for $t (release${features:+, features $features})"
    cargo rustc -p qoltanba-ffi --locked --release --lib --target "$t" --crate-type staticlib \
        ${features:+--features "$features"} -- --print native-static-libs
done

out=target/apple
rm -rf "$out"
mkdir -p "$out/lib/ios" "$out/lib/ios-simulator" "$out/lib/macos" "$out/include"
lib=libqoltanba_ffi.a
cp "target/aarch64-apple-ios/release/$lib" "$out/lib/ios/$lib"
lipo -create "target/aarch64-apple-ios-sim/release/$lib" "target/x86_64-apple-ios/release/$lib" \
    -output "$out/lib/ios-simulator/$lib"
lipo -create "target/aarch64-apple-darwin/release/$lib" "target/x86_64-apple-darwin/release/$lib" \
    -output "$out/lib/macos/$lib"

# The headers directory of an XCFramework from the generated Swift bindings:
# every crate's header, and the modulemap under the name clang looks for.
copy_headers() {
    cp target/bindings/swift/*.h "$1/"
    cp target/bindings/swift/QoltanbaFFI.modulemap "$1/module.modulemap"
}

# The bindings of these features.
scripts/bindings.sh ${features:+--features "$features"}
copy_headers "$out/include"
cp target/bindings/swift/*.swift "$out/"

xcodebuild -create-xcframework \
    -library "$out/lib/ios/$lib" -headers "$out/include" \
    -library "$out/lib/ios-simulator/$lib" -headers "$out/include" \
    -library "$out/lib/macos/$lib" -headers "$out/include" \
    -output "$out/Qoltanba.xcframework"
echo "built: $out/Qoltanba.xcframework with $(cd "$out" && echo *.swift) in $out"

# The release artifact. The archive holds QoltanbaFFI.xcframework at its top
# (ditto --keepParent: the layout SwiftPM unpacks), named as the binary
# target, and its checksum (SHA-256 of the zip; shasum cross-checks it).
staging="$out/release"
mkdir -p "$staging"
cp -R "$out/Qoltanba.xcframework" "$staging/QoltanbaFFI.xcframework"
zip="$out/QoltanbaFFI.xcframework.zip"
(cd "$staging" && ditto -c -k --sequesterRsrc --keepParent QoltanbaFFI.xcframework "../$(basename "$zip")")
rm -rf "$staging"
checksum=$(swift package compute-checksum "$zip")
sha256=$(shasum -a 256 "$zip" | cut -d' ' -f1)
if [ "$checksum" != "$sha256" ]; then
    echo "error: swift package compute-checksum gave $checksum, shasum -a 256 gave $sha256 for $zip" >&2
    exit 1
fi
echo "$checksum" >"$zip.checksum"
echo "built: $zip (checksum $checksum in $zip.checksum)"
if [ -n "$release_url" ]; then
    printf '{\n  "url": "%s",\n  "checksum": "%s"\n}\n' "$release_url" "$checksum" \
        >bindings/swift/QoltanbaFFI.release.json
    echo "wrote: bindings/swift/QoltanbaFFI.release.json (upload $zip to $release_url, then commit it)"
fi

# Puts an XCFramework and the Swift sources in a directory into the Swift package.
package=bindings/swift
install_into_package() {
    rm -rf "$package/QoltanbaFFI.xcframework"
    cp -R "$1" "$package/QoltanbaFFI.xcframework"
    rm -rf "$package/Sources/Qoltanba"
    mkdir -p "$package/Sources/Qoltanba"
    cp "$2"/*.swift "$package/Sources/Qoltanba/"
}

if [ "$test" -eq 0 ]; then
    install_into_package "$out/Qoltanba.xcframework" "$out"
    echo "the Swift package $package holds them (not tested: --no-test)"
    exit 0
fi

if [ "$has_testing" -eq 1 ]; then
    # The release build has the test-only exports: test what ships.
    install_into_package "$out/Qoltanba.xcframework" "$out"
    tested="the release library"
else
    # The debug host library with feature testing, and its bindings.
    scripts/bindings.sh --features testing
    test_out=target/apple-test
    rm -rf "$test_out"
    mkdir -p "$test_out/include"
    copy_headers "$test_out/include"
    xcodebuild -create-xcframework -library "target/debug/$lib" -headers "$test_out/include" \
        -output "$test_out/QoltanbaFFI.xcframework"
    install_into_package "$test_out/QoltanbaFFI.xcframework" target/bindings/swift
    tested="the debug library with feature testing"
fi

# A clean build: SwiftPM need not notice that the binary target changed.
swift package --package-path "$package" clean
echo "testing: $package against $tested"
# The deliberate panics of the panic test print their message, not a backtrace.
RUST_BACKTRACE=0 swift test --package-path "$package"
