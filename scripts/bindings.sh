#!/usr/bin/env bash
# Builds the qoltanba-ffi library and generates its Kotlin and Swift bindings
# from the built library (uniffi library mode), into target/bindings/:
#   kotlin/kz/qoltanba/core/qoltanba_ffi.kt          the JVM flavour (JNA)
#   kotlin-android/kz/qoltanba/core/qoltanba_ffi.kt  the Android flavour
#                                  (bindings/uniffi-android.toml: Android cleaner)
#   swift/{Qoltanba.swift,QoltanbaFFI.h,QoltanbaFFI.modulemap}
# The generated code is build output, never committed.
#
#   scripts/bindings.sh [--release] [--features simulator,testing]
#
# Then checks what can be checked without Android SDK or Swift toolchain: the
# Android flavour differs from the JVM one exactly by the Android cleaner, and
# compiles when kotlinc is at hand (stand-ins for the SDK's names); the
# Swift header, modulemap and sources name every export and nothing else; the
# checksums all three flavours check at load time match the library. Compiling
# the Swift needs macOS (scripts/apple.sh).
#
# Works on Linux (.so) and macOS (.dylib, used by scripts/apple.sh; BSD grep
# and awk, bash 3.2).
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

# The host's shared library, and its exported symbols without the Mach-O
# leading underscore.
case "$(uname -s)" in
    Darwin) dylib_ext=dylib ;;
    *) dylib_ext=so ;;
esac
exported_symbols() {
    if [ "$dylib_ext" = dylib ]; then
        nm -gU "$1" | awk '{print $3}' | sed 's/^_//'
    else
        nm -D --defined-only "$1" | awk '{print $3}'
    fi
}

# The generator is an unoptimised binary (feature `cli`) that reads uniffi's
# metadata out of a library. It reads the debug library, built in the same
# cargo run (one feature set, nothing compiled twice): the release profile
# strips the metadata symbols, and the bindings are the same for both.
cargo build -p qoltanba-ffi --locked --features "cli${features:+,$features}" --lib --bin uniffi-bindgen
if [ "$profile" = release ]; then
    cargo build -p qoltanba-ffi --locked --release --lib ${features:+--features "$features"}
fi

lib="target/$profile/libqoltanba_ffi.$dylib_ext"
metadata_lib="target/debug/libqoltanba_ffi.$dylib_ext"
bindgen=target/debug/uniffi-bindgen
out=target/bindings
rm -rf "$out/kotlin" "$out/kotlin-android" "$out/swift" "$out/android-stubs"
# --no-format: ktlint and swiftformat are not on this machine. bindings/uniffi.toml
# (package kz.qoltanba.core, module Qoltanba) is found through cargo metadata;
# the Android config is merged over it.
"$bindgen" generate --library "$metadata_lib" --language kotlin --no-format --out-dir "$out/kotlin"
"$bindgen" generate --library "$metadata_lib" --language kotlin --no-format --out-dir "$out/kotlin-android" \
    --config bindings/uniffi-android.toml
"$bindgen" generate --library "$metadata_lib" --language swift --no-format --out-dir "$out/swift"

fail() { echo "error: $*" >&2; exit 1; }

# The Android flavour: same package and file, the Android cleaner
# (android.system.SystemCleaner on API 34+, JNA's below), and no other
# difference from the JVM flavour, which must not touch the Android SDK.
kt="$out/kotlin/kz/qoltanba/core/qoltanba_ffi.kt"
kt_android="$out/kotlin-android/kz/qoltanba/core/qoltanba_ffi.kt"
[ -s "$kt" ] || fail "$kt was not generated"
[ -s "$kt_android" ] || fail "$kt_android was not generated (package changed by the Android config?)"
for marker in 'import android.os.Build' 'import androidx.annotation.RequiresApi' \
    'class AndroidSystemCleaner' 'android.system.SystemCleaner.cleaner()' 'VERSION_CODES.UPSIDE_DOWN_CAKE'; do
    grep -qF "$marker" "$kt_android" \
        || fail "the Android flavour lacks '$marker' (bindings/uniffi-android.toml not applied?)"
done
if grep -qE '^import androidx?\.|android\.system\.' "$kt"; then
    fail "the JVM flavour uses the Android SDK"
fi
grep -q 'class UniffiJnaCleaner' "$kt" || fail "the JVM flavour lacks JNA's cleaner"
# Apart from the Android imports and the cleaner helper (private items from
# UniffiCleaner.Companion.create() to the next public declaration), the two
# flavours are the same line for line.
strip_cleaner() {
    awk '/^private fun UniffiCleaner\.Companion\.create\(\)/ { skip = 1 }
        skip && /^(\/\*\*|public |internal |object |class |interface |fun )/ { skip = 0 }
        !skip && !/^import androidx?\./ && NF' "$1"
}
if ! unexpected=$(diff <(strip_cleaner "$kt") <(strip_cleaner "$kt_android")); then
    fail "the Android flavour differs beyond the cleaner:
$unexpected"
fi

# And it compiles: with kotlinc and JNA where scripts/kotlin-tests.sh puts
# them (or $KOTLINC), against stand-ins for the three Android SDK names it
# uses (the SDK itself is not on this machine).
kotlin_home=target/tools/kotlin/node_modules/kotlin-compiler
kotlinc="${KOTLINC:-$kotlin_home/bin/kotlinc}"
jna=/usr/share/java/jna.jar
coroutines="$(dirname "$(dirname "$kotlinc")")/lib/kotlinx-coroutines-core-jvm.jar"
if [ -x "$kotlinc" ] && [ -f "$jna" ] && [ -f "$coroutines" ]; then
    stubs="$out/android-stubs"
    mkdir -p "$stubs"
    cat >"$stubs/Build.kt" <<'KT'
package android.os
object Build {
    object VERSION { @JvmField val SDK_INT: Int = 0 }
    object VERSION_CODES { const val UPSIDE_DOWN_CAKE: Int = 34 }
}
KT
    cat >"$stubs/SystemCleaner.kt" <<'KT'
package android.system
object SystemCleaner { @JvmStatic fun cleaner(): java.lang.ref.Cleaner = java.lang.ref.Cleaner.create() }
KT
    cat >"$stubs/RequiresApi.kt" <<'KT'
package androidx.annotation
@Retention(AnnotationRetention.BINARY)
annotation class RequiresApi(val value: Int = 1, val api: Int = 1)
KT
    "$kotlinc" -nowarn -jvm-target 17 -cp "$jna:$coroutines" -d "$out/android-check.jar" \
        "$kt_android" "$stubs"/*.kt || fail "the Android flavour does not compile"
    rm -rf "$stubs" "$out/android-check.jar"
    echo "the Android flavour compiles (against stand-ins for android.os.Build, android.system.SystemCleaner, androidx.annotation.RequiresApi)"
else
    echo "note: no kotlinc (scripts/kotlin-tests.sh installs it): the Android flavour was not compiled"
fi

# The Swift bindings: sources, header and modulemap, naming every export.
swift="$out/swift"
for f in Qoltanba.swift QoltanbaFFI.h QoltanbaFFI.modulemap; do
    [ -s "$swift/$f" ] || fail "$swift/$f was not generated"
done
grep -q 'module QoltanbaFFI' "$swift/QoltanbaFFI.modulemap" || fail "the modulemap does not declare QoltanbaFFI"
grep -q 'header "QoltanbaFFI.h"' "$swift/QoltanbaFFI.modulemap" || fail "the modulemap does not name QoltanbaFFI.h"
grep -q 'import QoltanbaFFI' "$swift/Qoltanba.swift" || fail "Qoltanba.swift does not import QoltanbaFFI"
# The main types only (records get renamed as the surface grows).
expected=(App CardSession KeyFiles CardTransport RenewalListener QoltanbaError
    TransportFailure RenewalState CardInfo errorCode)
if [[ ",$features," == *",simulator,"* || ",$features," == *",testing,"* ]]; then
    expected+=(SimulatorCard)
fi
[[ ",$features," == *",testing,"* ]] && expected+=(EmbeddedServer testingPanic)
for name in "${expected[@]}"; do
    grep -Eq "(class|protocol|enum|struct|func) $name([^A-Za-z0-9_]|\$)" "$swift/Qoltanba.swift" \
        || fail "Qoltanba.swift does not define $name"
done
# Every scaffolding function the library exports is declared in the header,
# and every one the header declares or the Swift calls is exported (the
# static library of scripts/apple.sh has the same symbols).
missing=0
exports=$(exported_symbols "$lib" | grep -E '^(uniffi_qoltanba_ffi_|ffi_qoltanba_ffi_)' | sort -u)
[ -n "$exports" ] || fail "$lib exports no scaffolding function"
while read -r sym; do
    grep -qw "$sym" "$swift/QoltanbaFFI.h" || { echo "error: $sym missing from the header" >&2; missing=1; }
done <<<"$exports"
while read -r sym; do
    grep -qx "$sym" <<<"$exports" || { echo "error: $sym is used by the Swift side but not exported by $lib" >&2; missing=1; }
done < <(grep -ohE '(uniffi_qoltanba_ffi_|ffi_qoltanba_ffi_)[A-Za-z0-9_]+' "$swift/QoltanbaFFI.h" "$swift/Qoltanba.swift" | sort -u)
[ "$missing" -eq 0 ] || exit 1

# The load-time checks of the generated code, run here against $lib (for
# --release: the release library, generated from the debug one): the contract
# version and every API checksum. A mismatch would fail at the app's first call.
if command -v python3 >/dev/null; then
    python3 - "$lib" "$kt" "$kt_android" "$swift/Qoltanba.swift" <<'EOF'
import ctypes, re, sys
lib = ctypes.CDLL(sys.argv[1])
bad = 0
for path in sys.argv[2:]:
    text = open(path, encoding="utf-8").read()
    version = re.search(r"bindings_contract_version = (\d+)", text)
    checks = re.findall(r"(uniffi_qoltanba_ffi_checksum_\w+)\(\)(?: and 0xFFFF\))? != (\d+)", text)
    if not version or not checks:
        print(f"error: no load-time checks found in {path}", file=sys.stderr)
        bad += 1
        continue
    contract = getattr(lib, "ffi_qoltanba_ffi_uniffi_contract_version")
    contract.restype = ctypes.c_uint32
    if contract() != int(version.group(1)):
        print(f"error: {path}: contract version {version.group(1)}, library {contract()}", file=sys.stderr)
        bad += 1
    for name, want in checks:
        try:
            f = getattr(lib, name)
        except AttributeError:
            print(f"error: {path}: {name} is not in the library", file=sys.stderr)
            bad += 1
            continue
        f.restype = ctypes.c_uint16
        if f() != int(want):
            print(f"error: {path}: {name} is {f()} in the library, {want} in the bindings", file=sys.stderr)
            bad += 1
sys.exit(1 if bad else 0)
EOF
else
    echo "note: no python3, the checksums were not compared with $lib"
fi

echo "bindings of $lib in $out/kotlin (JVM), $out/kotlin-android (Android) and $out/swift"
