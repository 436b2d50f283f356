#!/usr/bin/env bash
# Builds the qoltanba-ffi library and generates its Kotlin (JVM flavour) and
# Swift bindings from the built cdylib (uniffi library mode):
#   target/bindings/kotlin/kz/qoltanba/core/qoltanba_ffi.kt
#   target/bindings/swift/{Qoltanba.swift,QoltanbaFFI.h,QoltanbaFFI.modulemap}
# The generated code is build output, never committed.
#
#   scripts/bindings.sh [--release] [--features simulator,testing]
#
# Then checks the Swift output (no Swift toolchain here: header, modulemap and
# every exported item present; compiling it needs macOS).
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
features=""
while [ $# -gt 0 ]; do
    case "$1" in
        --release) profile=release ;;
        --features) features="$2"; shift ;;
        *) echo "usage: $0 [--release] [--features LIST]" >&2; exit 2 ;;
    esac
    shift
done

# The generator is an unoptimised binary (feature `cli`) that reads uniffi's
# metadata out of a library. It reads the debug library, built in the same
# cargo run (one feature set, nothing compiled twice): the release profile
# strips the metadata symbols, and the bindings are the same for both.
cargo build -p qoltanba-ffi --locked --features "cli${features:+,$features}" --lib --bin uniffi-bindgen
if [ "$profile" = release ]; then
    cargo build -p qoltanba-ffi --locked --release --lib ${features:+--features "$features"}
fi

lib="target/$profile/libqoltanba_ffi.so"
bindgen=target/debug/uniffi-bindgen
out=target/bindings
rm -rf "$out/kotlin" "$out/swift"
# --no-format: ktlint and swiftformat are not on this machine. bindings/uniffi.toml
# (package kz.qoltanba.core, module Qoltanba) is found through cargo metadata.
"$bindgen" generate --library target/debug/libqoltanba_ffi.so --language kotlin --no-format --out-dir "$out/kotlin"
"$bindgen" generate --library target/debug/libqoltanba_ffi.so --language swift --no-format --out-dir "$out/swift"

# The Swift bindings: sources, header and modulemap, naming every export.
swift="$out/swift"
for f in Qoltanba.swift QoltanbaFFI.h QoltanbaFFI.modulemap; do
    [ -s "$swift/$f" ] || { echo "error: $swift/$f was not generated" >&2; exit 1; }
done
grep -q 'module QoltanbaFFI' "$swift/QoltanbaFFI.modulemap" \
    || { echo "error: the modulemap does not declare QoltanbaFFI" >&2; exit 1; }
expected=(App CardSession KeyFiles CardTransport RenewalListener QoltanbaError
    TransportFailure RenewalState KeyFileInfo CardInfo errorCode)
if [[ ",$features," == *",simulator,"* || ",$features," == *",testing,"* ]]; then
    expected+=(SimulatorCard)
fi
[[ ",$features," == *",testing,"* ]] && expected+=(EmbeddedServer testingPanic)
for name in "${expected[@]}"; do
    grep -Eq "(class|protocol|enum|struct|func) $name\b" "$swift/Qoltanba.swift" \
        || { echo "error: Qoltanba.swift does not define $name" >&2; exit 1; }
done
# Every scaffolding function the library exports is declared in the header.
missing=0
while read -r sym; do
    grep -q "\b$sym\b" "$swift/QoltanbaFFI.h" || { echo "error: $sym missing from the header" >&2; missing=1; }
done < <(nm -D --defined-only "$lib" | awk '{print $3}' | grep -E '^(uniffi_qoltanba_ffi_|ffi_qoltanba_ffi_)')
[ "$missing" -eq 0 ] || exit 1

echo "bindings of $lib in $out/kotlin and $out/swift"
