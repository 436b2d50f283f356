#!/usr/bin/env bash
# Builds the qoltanba-ffi library and generates its Kotlin and Swift bindings
# from the built library (uniffi library mode), into target/bindings/.
#
# The library holds the uniffi types of three crates: qoltanba-ffi (the
# surface), qoltanba-pki (KeyPurpose, KeyLevel) and qoltanba-core
# (RenewalStep), each named by its own uniffi.toml (bindings/, pki/, core/).
# uniffi generates one Kotlin file and one Swift file per crate:
#   kotlin/kz/qoltanba/core/qoltanba_ffi.kt           the JVM flavour (JNA)
#   kotlin/kz/qoltanba/core/pki/qoltanba_pki.kt
#   kotlin/kz/qoltanba/core/device/qoltanba_core.kt
#   kotlin-android/...                                the Android flavour, same
#                    files (bindings/uniffi-android.toml: the Android cleaner)
#   swift/{Qoltanba,QoltanbaPki,QoltanbaCore}.swift   all for the Swift module
#                                                     Qoltanba
#   swift/{QoltanbaFFI,QoltanbaPkiFFI,QoltanbaCoreFFI}.h and one
#   swift/QoltanbaFFI.modulemap over the three headers (the C module QoltanbaFFI)
# The Kotlin packages differ because uniffi 0.32 repeats its runtime helpers
# (RustBuffer, UniffiLib, ...) as public declarations in every crate's file,
# which one package cannot hold twice; Swift keeps them fileprivate, so the
# three Swift files make one module.
# The generated code is build output, never committed.
#
#   scripts/bindings.sh [--release] [--features simulator,testing]
#
# Then checks what can be checked without Android SDK or Swift toolchain: the
# Android flavour differs from the JVM one exactly by the Android cleaner, and
# compiles when kotlinc is at hand (stand-ins for the SDK's names); the
# Swift header, modulemap and sources name every export and nothing else; the
# checksums all the generated files check at load time match the library.
# Compiling the Swift needs macOS (scripts/apple.sh).
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
cargo build -p qoltanba-ffi --locked --features "cli${features:+,$features}" --lib \
    --bin uniffi-bindgen --bin uniffi-bindgen-swift
if [ "$profile" = release ]; then
    cargo build -p qoltanba-ffi --locked --release --lib ${features:+--features "$features"}
fi

lib="target/$profile/libqoltanba_ffi.$dylib_ext"
metadata_lib="target/debug/libqoltanba_ffi.$dylib_ext"
bindgen=target/debug/uniffi-bindgen
bindgen_swift=target/debug/uniffi-bindgen-swift
out=target/bindings
rm -rf "$out/kotlin" "$out/kotlin-android" "$out/swift" "$out/android-stubs"
# --no-format: ktlint and swiftformat are not on this machine. Each crate's
# uniffi.toml (its Kotlin package and Swift file names) is found through cargo
# metadata; the Android config is merged over all three.
"$bindgen" generate --library "$metadata_lib" --language kotlin --no-format --out-dir "$out/kotlin"
"$bindgen" generate --library "$metadata_lib" --language kotlin --no-format --out-dir "$out/kotlin-android" \
    --config bindings/uniffi-android.toml
# uniffi's Swift generator for several crates: a source and a header per
# crate, and one modulemap for the C module QoltanbaFFI over all the headers.
"$bindgen_swift" --swift-sources --headers --modulemap --module-name QoltanbaFFI \
    --modulemap-filename QoltanbaFFI.modulemap "$metadata_lib" "$out/swift"

fail() { echo "error: $*" >&2; exit 1; }

# One Kotlin file per crate with uniffi types, in each flavour.
kotlin_files=(kz/qoltanba/core/qoltanba_ffi.kt kz/qoltanba/core/pki/qoltanba_pki.kt
    kz/qoltanba/core/device/qoltanba_core.kt)
generated=$(cd "$out/kotlin" && find . -name '*.kt' | sed 's|^\./||' | sort)
[ "$generated" = "$(printf '%s\n' "${kotlin_files[@]}" | sort)" ] \
    || fail "the Kotlin files are not the expected ones (a package or crate changed?):
$generated"

# The Android flavour: same packages and files, the Android cleaner
# (android.system.SystemCleaner on API 34+, JNA's below), and no other
# difference from the JVM flavour, which must not touch the Android SDK.
# Apart from the Android imports and the cleaner helper (private items from
# UniffiCleaner.Companion.create() to the next public declaration), the two
# flavours are the same line for line. A crate whose types are all plain
# values (qoltanba-pki's and qoltanba-core's enums) has no objects, hence no
# cleaner: its two flavours are the same file.
strip_cleaner() {
    awk '/^private fun UniffiCleaner\.Companion\.create\(\)/ { skip = 1 }
        skip && /^(\/\*\*|public |internal |object |class |interface |fun )/ { skip = 0 }
        !skip && !/^import androidx?\./ && NF' "$1"
}
for file in "${kotlin_files[@]}"; do
    jvm="$out/kotlin/$file"
    android="$out/kotlin-android/$file"
    [ -s "$jvm" ] || fail "$jvm was not generated"
    [ -s "$android" ] || fail "$android was not generated (package changed by the Android config?)"
    if [ "$file" != kz/qoltanba/core/qoltanba_ffi.kt ] && ! grep -q 'class UniffiJnaCleaner' "$jvm"; then
        cmp -s "$jvm" "$android" || fail "$file has no objects, yet its Android flavour differs"
        continue
    fi
    for marker in 'import android.os.Build' 'import androidx.annotation.RequiresApi' \
        'class AndroidSystemCleaner' 'android.system.SystemCleaner.cleaner()' 'VERSION_CODES.UPSIDE_DOWN_CAKE'; do
        grep -qF "$marker" "$android" \
            || fail "$android lacks '$marker' (bindings/uniffi-android.toml not applied?)"
    done
    if grep -qE '^import androidx?\.|android\.system\.' "$jvm"; then
        fail "the JVM flavour $jvm uses the Android SDK"
    fi
    grep -q 'class UniffiJnaCleaner' "$jvm" || fail "the JVM flavour $jvm lacks JNA's cleaner"
    if ! unexpected=$(diff <(strip_cleaner "$jvm") <(strip_cleaner "$android")); then
        fail "the Android flavour of $file differs beyond the cleaner:
$unexpected"
    fi
done

# And it compiles: with kotlinc and JNA where scripts/kotlin-tests.sh puts
# them (or $KOTLINC), against stand-ins for the three Android SDK names it
# uses (the SDK itself is not on this machine).
kotlin_home=target/tools/kotlin/node_modules/kotlin-compiler
kotlinc="${KOTLINC:-$kotlin_home/bin/kotlinc}"
jna=/usr/share/java/jna.jar
coroutines="$(dirname "$(dirname "$kotlinc")")/lib/kotlinx-coroutines-core-jvm.jar"
if [ -x "$kotlinc" ] && [ -f "$jna" ] && [ -f "$coroutines" ]; then
    "$kotlinc" -nowarn -jvm-target 17 -cp "$jna:$coroutines" -d "$out/android-check.jar" \
        "${kotlin_files[@]/#/$out/kotlin-android/}" bindings/android-stubs/*.kt || fail "the Android flavour does not compile"
    rm -rf "$out/android-check.jar"
    echo "the Android flavour compiles (against stand-ins for android.os.Build, android.system.SystemCleaner, androidx.annotation.RequiresApi)"
else
    echo "note: no kotlinc (scripts/kotlin-tests.sh installs it): the Android flavour was not compiled"
fi

# The Swift bindings: a source and a header per crate, one modulemap over the
# headers, naming every export.
swift="$out/swift"
swift_sources=(Qoltanba.swift QoltanbaPki.swift QoltanbaCore.swift)
swift_headers=(QoltanbaFFI.h QoltanbaPkiFFI.h QoltanbaCoreFFI.h)
generated=$(cd "$swift" && ls | sort)
[ "$generated" = "$(printf '%s\n' "${swift_sources[@]}" "${swift_headers[@]}" QoltanbaFFI.modulemap | sort)" ] \
    || fail "the Swift files are not the expected ones (a crate's uniffi.toml changed?):
$generated"
for f in "${swift_sources[@]}" "${swift_headers[@]}" QoltanbaFFI.modulemap; do
    [ -s "$swift/$f" ] || fail "$swift/$f was not generated"
done
grep -q 'module QoltanbaFFI' "$swift/QoltanbaFFI.modulemap" || fail "the modulemap does not declare QoltanbaFFI"
for f in "${swift_headers[@]}"; do
    grep -q "header \"$f\"" "$swift/QoltanbaFFI.modulemap" || fail "the modulemap does not name $f"
done
for f in "${swift_sources[@]}"; do
    grep -q 'import QoltanbaFFI' "$swift/$f" || fail "$f does not import QoltanbaFFI"
done
# The main types only (records get renamed as the surface grows); the enums
# of qoltanba-pki and qoltanba-core under their app-facing names.
expected=(App CardSession KeyFiles CardTransport RenewalListener QoltanbaError
    TransportFailure RenewalState CardInfo errorCode KeyPurpose KeyLevel RenewalStep)
if [[ ",$features," == *",simulator,"* || ",$features," == *",testing,"* ]]; then
    expected+=(SimulatorCard)
fi
[[ ",$features," == *",testing,"* ]] && expected+=(EmbeddedServer testingPanic)
for name in "${expected[@]}"; do
    grep -Eq "(class|protocol|enum|struct|func) $name([^A-Za-z0-9_]|\$)" "${swift_sources[@]/#/$swift/}" \
        || fail "the Swift sources do not define $name"
done
# Every scaffolding function the library exports is declared in a header,
# and every one a header declares or the Swift calls is exported (the
# static library of scripts/apple.sh has the same symbols).
missing=0
scaffolding='(uniffi|ffi)_qoltanba_(ffi|pki|core)_'
exports=$(exported_symbols "$lib" | grep -E "^$scaffolding" | sort -u)
[ -n "$exports" ] || fail "$lib exports no scaffolding function"
declared=$(cd "$swift" && grep -ohE "$scaffolding[A-Za-z0-9_]+" "${swift_headers[@]}" | sort -u)
while read -r sym; do
    grep -qx "$sym" <<<"$declared" || { echo "error: $sym missing from the headers" >&2; missing=1; }
done <<<"$exports"
while read -r sym; do
    grep -qx "$sym" <<<"$exports" || { echo "error: $sym is used by the Swift side but not exported by $lib" >&2; missing=1; }
done < <(cd "$swift" && grep -ohE "$scaffolding[A-Za-z0-9_]+" "${swift_headers[@]}" "${swift_sources[@]}" | sort -u)
[ "$missing" -eq 0 ] || exit 1

# The load-time checks of the generated code, run here against $lib (for
# --release: the release library, generated from the debug one): the contract
# version and every API checksum. A mismatch would fail at the app's first call.
# The files of qoltanba-pki and qoltanba-core hold enums only: no checksums.
if command -v python3 >/dev/null; then
    python3 - "$lib" "${kotlin_files[@]/#/$out/kotlin/}" "${kotlin_files[@]/#/$out/kotlin-android/}" \
        "${swift_sources[@]/#/$swift/}" <<'EOF'
import ctypes, re, sys
lib = ctypes.CDLL(sys.argv[1])
bad = 0
for path in sys.argv[2:]:
    text = open(path, encoding="utf-8").read()
    version = re.search(r"bindings_contract_version = (\d+)", text)
    contract_fn = re.search(r"\b(ffi_qoltanba_\w+?_uniffi_contract_version)\(", text)
    checks = re.findall(r"(uniffi_qoltanba_\w+?_checksum_\w+)\(\)(?: and 0xFFFF\))? != (\d+)", text)
    if not version or not contract_fn or (not checks and "qoltanba_ffi" in contract_fn.group(1)):
        print(f"error: no load-time checks found in {path}", file=sys.stderr)
        bad += 1
        continue
    contract = getattr(lib, contract_fn.group(1))
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
