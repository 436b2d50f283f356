#!/usr/bin/env bash
# Runs every check and test of the workspace on a fresh machine.
# Installs what the tests need as real interop peers: the openssl binary,
# gostcrypto (PyPI) as an independent GOST R 34.10-2012 implementation,
# Debian's python3-aiosmtpd as a real SMTP server for the RA's e-mail notices,
# and a real PC/SC stack for the card: pcscd with vsmartcard's vpcd driver
# (the simulator card plays the card in its reader "Virtual PCD 00 00") and
# libpcsclite-dev + pkg-config, which `qoltanba --features pcsc` links.
# Then the bindings: scripts/kotlin-tests.sh installs kotlinc (npm) and JNA
# (Debian's libjna-java) itself.
set -euo pipefail
cd "$(dirname "$0")/.."

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
/usr/bin/python3 -c "import aiosmtpd" >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
for pkg in pcscd libpcsclite-dev vsmartcard-vpcd pkg-config; do
    installed "$pkg" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

if ! python3 -c "import gostcrypto" >/dev/null 2>&1; then
    echo "installing: gostcrypto (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check gostcrypto==1.2.5
fi
# Interop tests fail, rather than skip, when a peer is missing.
export QOLTANBA_REQUIRE_PEERS=1

if [ ! -d ../shared/fixtures ] && [ -z "${QOLTANBA_FIXTURES:-}" ]; then
    echo "error: the NCA test fixtures are expected in ../shared/fixtures (or set QOLTANBA_FIXTURES)" >&2
    exit 1
fi

cargo fmt --all --check
# The plain build (no PC/SC, no libpcsclite needed), as the README's demo builds.
cargo clippy --workspace --locked -- -D warnings
# Everything with the PC/SC feature: `qoltanba card --reader`, and
# tests/tests/card_pcsc.rs driving the simulator card through pcscd (as root);
# and the bindings' test-only exports and uniffi-bindgen binary.
cargo clippy --workspace --all-targets --locked \
    --features qoltanba-cli/pcsc,qoltanba-ffi/testing,qoltanba-ffi/cli,qoltanba-ffi/jvm-keystore \
    -- -D warnings
# jvm-keystore: the Android keystore code's unit tests (no JVM needed).
cargo test --workspace --locked --features qoltanba-cli/pcsc,qoltanba-core/jvm-keystore
# The bindings: Kotlin (JVM and Android flavours) and Swift generated from the
# library and checked, then the Kotlin tests on the JVM against the library.
# Compiling the Swift needs macOS (scripts/apple.sh).
scripts/kotlin-tests.sh
