#!/usr/bin/env bash
# The core's Apple code type-checked and linted for Apple targets, on a Linux
# machine without Xcode or Apple's SDK: `cargo clippy -D warnings` of
# qoltanba-core, qoltanba-keystore-apple (the keychain and Secure Enclave code,
# compiled nowhere else here) and qoltanba-ffi (which links the keystore on
# Apple), `--all-targets` (the crates' tests type-check too), for
#   aarch64-apple-ios      iPhones: the code under cfg(not(target_os = "macos"))
# twice: as shipped (default features) and with qoltanba-ffi's feature
# `testing` (EmbeddedServer, SimulatorCard), as the simulator tests build it.
# (aarch64-apple-darwin checks the same way, about 6 min more cold; it is left
# to the macOS runner, which builds and tests it for real.)
# Clippy runs rustc's checks first, so this is `cargo check` as well.
# aarch64-apple-ios-sim and the x86_64 Apple targets add no cfg of ours; the
# real builds (and linking Security.framework, which check never does) happen
# on macOS runners (scripts/apple.sh).
#
# Skipped with a notice, never failed, when rustup is missing or will not add
# a target (offline, or a toolchain without it), or clang cannot be had.
#
# C for the target without the SDK: the build scripts of ring (C and Mach-O
# assembly) and libsqlite3-sys (the bundled SQLite) compile C for the target
# even under `cargo check`, and cc-rs asks `xcrun` for the SDK, which only
# macOS has. What works (the objects are only built, never linked or run):
#   - Debian's clang (package clang-14; one clang has every target) as
#     CC_<target>, llvm-ar as AR_<target>: `--target=arm64-apple-ios` assembles
#     ring's Mach-O assembly with the integrated assembler;
#   - SDKROOT naming a stub SDK made here under target/apple-check/: cc-rs
#     passes it as -isysroot instead of asking xcrun. It holds one header,
#     TargetConditionals.h (ring's base.h includes it on Apple), with the
#     TARGET_OS_* values of the platform;
#   - the C library headers are glibc's for arm64 (libc6-dev-arm64-cross, which
#     comes with gcc-aarch64-linux-gnu, as scripts/android-check.sh uses),
#     searched after the stub (-idirafter); `-U__nonnull` because clang
#     predefines __nonnull as a nullability keyword on Apple targets, which
#     glibc uses as an attribute macro;
#   - SQLite's C compiled as a generic Unix (LIBSQLITE3_FLAGS=-U__APPLE__):
#     its __APPLE__ paths (the zone allocator, statfs's f_fstypename,
#     gethostuuid) need Darwin's own headers. ring keeps __APPLE__.
#
# Time on this 2-core machine, measured while other builds shared it: cold,
# 15 min in all (aarch64-apple-ios 529 s, with the test kit and the RA of
# feature `testing`; aarch64-apple-darwin, since dropped, 349 s); warm, 19 s.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
# The first target gets the whole check: every target of the crates (tests
# too), as shipped and with feature `testing`. The others get what differs by
# architecture alone, the shipped libraries: on CI's two cores each whole
# check costs minutes of compiling the test kit and the RA for that target.
# macOS (aarch64-apple-darwin) is not here: the macOS runner builds and tests
# it for real (.github/workflows/ios.yml, job keystore).
wanted=(aarch64-apple-ios)

# shellcheck source=scripts/rust-targets.sh
. scripts/rust-targets.sh
available_targets Apple

clang_package=clang-14
cc=clang-14
ar=llvm-ar-14
glibc_headers=/usr/aarch64-linux-gnu/include
# shellcheck source=scripts/apt.sh
. scripts/apt.sh
missing=()
command -v "$cc" >/dev/null 2>&1 || installed "$clang_package" || missing+=("$clang_package")
[ -f "$glibc_headers/string.h" ] || installed libc6-dev-arm64-cross || missing+=(libc6-dev-arm64-cross)
if [ ${#missing[@]} -gt 0 ] && ! apt_install "${missing[@]}"; then
    echo "notice: could not install ${missing[*]}: skipping the Apple check"
    exit 0
fi

# The stub SDK of a platform: TargetConditionals.h with its TARGET_OS_* values.
stub_sdk() {
    local dir="$PWD/target/apple-check/$1-stub.sdk" ios=$2
    mkdir -p "$dir/usr/include"
    cat >"$dir/usr/include/TargetConditionals.h" <<EOF
/* A stand-in for Apple's header (scripts/apple-check.sh): type-checking only. */
#pragma once
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX $((1 - ios))
#define TARGET_OS_IPHONE $ios
#define TARGET_OS_IOS $ios
#define TARGET_OS_MACCATALYST 0
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_VISION 0
#define TARGET_OS_SIMULATOR 0
#define TARGET_IPHONE_SIMULATOR 0
#define TARGET_OS_EMBEDDED $ios
EOF
    echo "$dir"
}

# The Package.swift platforms, as scripts/apple.sh builds them.
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export MACOSX_DEPLOYMENT_TARGET=12.0
export LIBSQLITE3_FLAGS="-U__APPLE__"

crates=(-p qoltanba-core -p qoltanba-keystore-apple -p qoltanba-ffi)
for target in "${targets[@]}"; do
    case "$target" in
        *-apple-ios) sdk=$(stub_sdk iPhoneOS 1) ;;
        *) sdk=$(stub_sdk MacOSX 0) ;;
    esac
    var="${target//-/_}"
    # cc-rs passes SDKROOT as -isysroot for iOS; for macOS with a non-Apple
    # clang it passes none, so the stub is named by -isystem as well.
    export SDKROOT="$sdk" "CC_$var=$cc" "AR_$var=$ar" \
        "CFLAGS_$var=-U__nonnull -isystem $sdk/usr/include -idirafter $glibc_headers"
    began=$SECONDS
    echo "-- $target (C: $cc, stub SDK, glibc's arm64 headers)"
    if [ "$target" = "${targets[0]}" ]; then
        cargo clippy --locked --quiet "${crates[@]}" --all-targets --target "$target" -- -D warnings
        cargo clippy --locked --quiet "${crates[@]}" --all-targets --target "$target" \
            --features qoltanba-ffi/testing -- -D warnings
    else
        cargo clippy --locked --quiet "${crates[@]}" --lib --target "$target" -- -D warnings
    fi
    echo "   clean in $((SECONDS - began)) s"
done

echo "Apple check: ${#targets[@]} of ${#wanted[@]} targets clean in $((SECONDS - started)) s (type-checked and linted; built, linked and tested only on macOS: scripts/apple.sh)"
