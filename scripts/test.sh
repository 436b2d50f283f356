#!/usr/bin/env bash
# Runs every check and test of the workspace on a fresh machine; CI runs
# exactly this (.ci/run). Needs only Rust, gcc, Python, Node and Java 17:
# it installs the rest.
#
# Installs what the tests need as real interop peers (and systemd-analyze
# for the RA's unit, scripts/deploy-check.sh): the openssl binary,
# gostcrypto (PyPI) as an independent GOST R 34.10-2012 implementation,
# Debian's python3-aiosmtpd as a real SMTP server for the RA's e-mail notices,
# and a real PC/SC stack for the card: pcscd with vsmartcard's vpcd driver
# (the simulator card plays the card in its reader "Virtual PCD 00 00") and
# libpcsclite-dev + pkg-config, which `qoltanba --features pcsc` links;
# SoftHSM2 (softhsm2) as a real PKCS#11 token for qoltanba-token and
# `qoltanba keys|renew --token`; NSS's certutil (libnss3-tools) as the judge
# of `qoltanba layer trust`.
# cargo-deny (scripts/deny.sh), the MSRV toolchain (scripts/msrv.sh), kotlinc
# and JNA (scripts/kotlin-tools.sh), JUnit 4 and Debian bullseye's android.jar
# of API 23 (scripts/android-tests.sh), the Android targets and the C cross
# compilers for their build scripts (scripts/android-check.sh), actionlint and
# ShellCheck (scripts/workflow-lint.sh), cargo-fuzz (scripts/fuzz-smoke.sh) are
# installed by their scripts, and
# so is the Debian trixie chroot with swiftlang 6.0.3 that runs the Swift
# tests (scripts/swift-tests.sh: debootstrap, root or sudo, about 3 GB in
# target/tools/swift-chroot, built once).
#
# The order: the cheap checks first (format, the workflow lint, licences and
# bans, notices, MSRV of the dependencies), then clippy (the host, then the
# Android targets), then the tests (cargo-nextest runs
# the test binaries in parallel; doctests separately), then the bindings.
# Each stage prints its time; the whole run ends with the total.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
stage() {
    echo
    echo "== $1 (at $((SECONDS - started)) s)"
}

# shellcheck source=scripts/apt.sh
. scripts/apt.sh

missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
/usr/bin/python3 -c "import aiosmtpd" >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
# systemd-analyze (Debian's systemd) checks the RA's unit (scripts/deploy-check.sh).
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
# xmlsec1 and python3-lxml: independent XML-signature and C14N peers (pki's xmldsig tests);
# libnss3-tools: certutil, the judge of `qoltanba layer trust`.
# postgresql: the RA's production database, a throwaway cluster per test (testkit::postgres).
for pkg in pcscd libpcsclite-dev vsmartcard-vpcd pkg-config softhsm2 xmlsec1 python3-lxml libnss3-tools postgresql; do
    installed "$pkg" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

if ! python3 -c "import gostcrypto" >/dev/null 2>&1; then
    echo "installing: gostcrypto (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check gostcrypto==1.2.5
fi
if ! cargo nextest --version >/dev/null 2>&1; then
    echo "installing: cargo-nextest (crates.io)"
    cargo install --locked --quiet cargo-nextest
fi
# Disk and link time: a fresh run once filled the CI machine's disk (27 GB of
# target/, most of it DWARF in ~150 test executables of ~140 MB each, and
# incremental caches a one-shot run never reuses). Line tables keep file and
# line in backtraces; full debug info is for a debugger, which CI never runs.
export CARGO_INCREMENTAL=0
export CARGO_PROFILE_DEV_DEBUG=line-tables-only
export CARGO_PROFILE_TEST_DEBUG=line-tables-only
# Interop tests fail, rather than skip, when a peer is missing.
export QOLTANBA_REQUIRE_PEERS=1
# The NCA test fixtures: the repository's own testdata/.
export QOLTANBA_FIXTURES="${QOLTANBA_FIXTURES:-$PWD/testdata}"

# Everything the tests build: PC/SC for `qoltanba card --reader` and
# tests/tests/card_pcsc.rs (pcscd, as root); the bindings' test-only exports,
# uniffi-bindgen and the Android keystore code on the desktop JVM.
features=qoltanba-cli/pcsc,qoltanba-ffi/testing,qoltanba-ffi/cli,qoltanba-ffi/jvm-keystore

stage "format"
cargo fmt --all --check
# The fuzz crate is outside the workspace (fuzz/README.md).
cargo fmt --manifest-path fuzz/Cargo.toml --check

stage "workflows"
# actionlint (with ShellCheck for the run: steps) over .github/workflows/.
scripts/workflow-lint.sh

stage "dependencies: licences, bans (no product crate links the test kit), sources, advisories"
scripts/deny.sh
scripts/third-party-notices.sh --check

stage "MSRV"
scripts/msrv.sh

stage "clippy"
# The plain build (no PC/SC, no libpcsclite needed), as the README's demo builds.
cargo clippy --workspace --locked -- -D warnings
# The RA alone, without its card-enrolment feature: it must build without
# the card stack.
cargo clippy -p qoltanba-ra --locked -- -D warnings
cargo clippy --workspace --all-targets --locked --features "$features" -- -D warnings

stage "android targets"
# The core, the Android keystore and the FFI crate type-checked and clippy
# clean for the Android targets (arm64, x86_64, armv7), as shipped and with
# the feature `testing` the instrumented tests build; no NDK needed. Skips
# with a notice if rustup cannot add the targets.
scripts/android-check.sh

stage "apple targets"
# The core, the Apple keystore (keychain, Secure Enclave) and the FFI crate
# type-checked and clippy clean for aarch64-apple-ios and aarch64-apple-darwin,
# as shipped and with feature `testing`; no Xcode or Apple SDK needed (a stub
# SDK and Debian's clang for the C of ring and SQLite). Skips with a notice
# if rustup cannot add the targets.
scripts/apple-check.sh

stage "tests"
cargo nextest run --workspace --locked --features "$features" --no-fail-fast
cargo test --workspace --locked --features "$features" --doc

stage "tests on PostgreSQL"
# The RA's API and notice suites and the end-to-end renewals again, each RA
# on a fresh database of a throwaway PostgreSQL cluster of its own
# (testkit::postgres::TestDatabase); the stage above ran them on SQLite.
# ra_crash is SQLite's crash story and runs on SQLite whatever the
# variable says, so it is left out here. The same build as that stage (the
# workspace with its features, filtered), so nothing is compiled again.
QOLTANBA_TEST_DATABASE=postgres cargo nextest run --workspace --locked --features "$features" \
    --no-fail-fast -E 'package(qoltanba-ra) | (package(qoltanba-e2e) & !binary(ra_crash))'

stage "contract"
# schemathesis (PyPI, pinned) against the real RA binary the tests just
# built: every check, the stateful phase over the document's links; any
# undocumented status, content type or body fails (about 25 s).
scripts/schemathesis.sh

stage "deployment files"
# The RA's systemd unit (systemd-analyze verify and security, with the
# binary the tests just built) and its Containerfile (hadolint, PyPI); the
# image is not built here (about 2 s).
scripts/deploy-check.sh

stage "fuzz smoke"
# Every cargo-fuzz target of fuzz/ (a crate outside the workspace) for 20 s,
# two at a time, from seeds made of testdata/ and of the CLI the tests just
# built (fuzz/README.md); the build reuses nothing of the tests' (sancov).
scripts/fuzz-smoke.sh

stage "ncalayer"
# qoltanba as NCALayer driven by the npm ncalayer-js-client over wss, the
# consent answered in a pseudo-terminal; signatures checked by openssl,
# xmlsec1 and qoltanba's verifier (docs/ncalayer.md).
QOLTANBA_NCALAYER_FEATURES=qoltanba-cli/pcsc scripts/ncalayer-tests.sh
# Then once through a real browser: headless Chromium (Debian's), trusting
# qoltanba's local CA only through `qoltanba layer trust`, signs from a page
# with the same client; and fails without that trust.
QOLTANBA_NCALAYER_FEATURES=qoltanba-cli/pcsc scripts/ncalayer-browser-test.sh

stage "bindings"
# Kotlin (JVM and Android flavours) and Swift generated from the library and
# checked, then the Kotlin tests on the JVM against the library. The Swift
# is compiled and tested in the stage "swift".
scripts/kotlin-tests.sh

stage "android"
# What of the Android app runs without the Android SDK (building the APK, the
# AAR and the emulator tests need it: .github/workflows/android.yml):
# - the :shell module compiled against Debian's android.jar of API 23 (a
#   type-check against the framework) and its tests on the JVM against the
#   library, with stand-ins for the framework classes it touches;
# - the app's resources (well-formed, the same strings in kk/ru/en, every
#   reference defined) and its Kotlin type-checked against the generated
#   bindings, :shell, and stand-ins for the Android, AndroidX, Compose and
#   Firebase names it uses (android/tools/typecheck/README.md says what that
#   does and does not prove).
scripts/android-tests.sh
python3 scripts/android-resources-check.py
scripts/android-app-typecheck.sh

stage "swift"
# What of the iOS side runs without macOS: in a Debian trixie chroot with
# swiftlang 6.0.3 (Foundation, XCTest), `swift test` of the bindings'
# package (bindings/swift) and of the iOS shell's platform-free package
# (ios/QoltanbaShell) against the Linux library with feature `testing`. The
# XCFramework, the app and its simulator tests need macOS
# (.github/workflows/ios.yml).
scripts/swift-tests.sh

stage "ios"
# What of the iOS app can be checked without Xcode (building and the
# simulator tests need macOS: ios/README.md): the XcodeGen spec, Info.plist
# and the entitlements well-formed and complete, the string tables the same
# in kk/ru/en with matching placeholders, every key the Swift uses defined.
python3 scripts/ios-resources-check.py

echo
echo "all checks and tests passed in $((SECONDS - started)) s"
