#!/usr/bin/env bash
# The core's Android code type-checked and linted for the Android targets, on
# a machine without the Android SDK or NDK: `cargo clippy -D warnings` of
# qoltanba-core, qoltanba-keystore-android and qoltanba-ffi for
# aarch64-linux-android (arm64-v8a), x86_64-linux-android (x86_64: the
# emulators) and armv7-linux-androideabi (armeabi-v7a: 32 bits, where usize
# and C's long are 32 bits). aarch64 gets the whole check, twice:
#   - as the AAR ships them (default features; on Android qoltanba-ffi links
#     qoltanba-keystore-android and its JNI_OnLoad by itself), and
#   - with qoltanba-ffi's feature `testing` (EmbeddedServer, SimulatorCard),
#     as android/core builds the library for the instrumented tests
#     (-Pqoltanba.testing=true), which pulls in the test kit and the RA,
# with `--all-targets` (the crates' tests and benches type-check for Android
# too); the other two, the shipped libraries (`--lib`), which is what differs
# by architecture.
# Clippy runs rustc's own checks first, so this is `cargo check` as well; a
# separate `cargo check` would type-check the same crates a second time.
# Code under cfg(target_os = "android") is compiled nowhere else.
#
# Skipped with a notice, never failed, when rustup is missing or will not add
# a target (offline, or a toolchain without it).
#
# C for the target without the NDK: the build scripts of ring (its C and
# assembly) and libsqlite3-sys (the bundled SQLite) compile C for the target
# even under `cargo check`. cc-rs looks for the NDK's clang
# (aarch64-linux-android-clang, ...) and fails without it. What works: a
# GCC cross compiler for the same CPU and ABI from Debian, named by
# CC_<target>/AR_<target>. It compiles against glibc's headers instead of
# Bionic's, which is fine here: check and clippy never link the target's
# code, so those archives are only built, never used. The real libraries
# are built with the NDK's clang by cargo-ndk (.github/workflows/android.yml).
#   aarch64-linux-android     gcc-aarch64-linux-gnu
#   x86_64-linux-android      the host's gcc
#   armv7-linux-androideabi   gcc-arm-linux-gnueabi (armel): Android's
#                             armeabi-v7a uses the softfp calling convention,
#                             whose glibc stubs (gnu/stubs-soft.h) the armhf
#                             toolchain (arm-linux-gnueabihf) lacks.
# The host's gcc with a target flag cannot do it (GCC is one target per
# build), and Debian's clang would need a target sysroot anyway.
#
# Time on this 2-core machine: with a warm target/ 1 to 20 s in all; with a
# cold one about 14 min of CPU for the three targets (each checks its ~300
# dependencies; the host's build scripts and proc macros are shared), which
# took 22 min of wall time measured while other builds shared the two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
# The first target gets the whole check: every target of the crates (tests
# too), as shipped and with feature `testing`. The others get what differs by
# architecture alone, the shipped libraries: on CI's two cores each whole
# check costs minutes of compiling the test kit and the RA for that target.
wanted=(aarch64-linux-android x86_64-linux-android armv7-linux-androideabi)

# shellcheck source=scripts/rust-targets.sh
. scripts/rust-targets.sh
available_targets Android

# shellcheck source=scripts/apt.sh
. scripts/apt.sh

# The C cross compiler for each target (see above): the Debian package, the
# compiler and the archiver.
compiler_of() {
    case "$1" in
        aarch64-linux-android) echo "gcc-aarch64-linux-gnu aarch64-linux-gnu-gcc aarch64-linux-gnu-ar" ;;
        x86_64-linux-android) echo "gcc gcc ar" ;;
        armv7-linux-androideabi) echo "gcc-arm-linux-gnueabi arm-linux-gnueabi-gcc arm-linux-gnueabi-ar" ;;
        *) return 1 ;;
    esac
}

missing=()
for target in "${targets[@]}"; do
    read -r package cc _ <<<"$(compiler_of "$target")"
    command -v "$cc" >/dev/null 2>&1 || installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

crates=(-p qoltanba-core -p qoltanba-keystore-android -p qoltanba-ffi)
for target in "${targets[@]}"; do
    read -r _ cc ar <<<"$(compiler_of "$target")"
    var="${target//-/_}"
    export "CC_$var=$cc" "AR_$var=$ar"
    began=$SECONDS
    echo "-- $target (C: $cc)"
    if [ "$target" = "${targets[0]}" ]; then
        cargo clippy --locked --quiet "${crates[@]}" --all-targets --target "$target" -- -D warnings
        cargo clippy --locked --quiet "${crates[@]}" --all-targets --target "$target" \
            --features qoltanba-ffi/testing -- -D warnings
    else
        cargo clippy --locked --quiet "${crates[@]}" --lib --target "$target" -- -D warnings
    fi
    echo "   clean in $((SECONDS - began)) s"
done

echo "Android check: ${#targets[@]} of ${#wanted[@]} targets clean in $((SECONDS - started)) s"
