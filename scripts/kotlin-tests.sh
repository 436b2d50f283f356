#!/usr/bin/env bash
# The Kotlin tests of the bindings, on the desktop JVM against the real
# library: builds qoltanba-ffi (features testing: simulator card, embedded RA,
# panicking calls), generates the Kotlin bindings (scripts/bindings.sh),
# compiles them with bindings/tests/kotlin/*.kt and runs them.
#
# Installs what it needs when missing: kotlinc 2.4.20 from the npm package
# `kotlin-compiler` (it also carries kotlinx-coroutines) into
# target/tools/kotlin, and JNA from Debian's `libjna-java`. Needs Java 17+.
#
#   scripts/kotlin-tests.sh [--release] [name filter | --bench]
# --bench: instead of the tests, the per-call overhead of a trivial call and
# of a callback into a Kotlin CardTransport.
# --release: against the release library (the phones' profile: opt-level z,
# fat LTO, stripped), which takes minutes longer to build.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
if [ "${1:-}" = --release ]; then
    profile=release
    shift
fi

KOTLIN_VERSION=2.4.20
tools=target/tools/kotlin
kotlin_home="$tools/node_modules/kotlin-compiler"
if [ ! -x "$kotlin_home/bin/kotlinc" ] \
    || ! grep -q "\"version\": \"$KOTLIN_VERSION\"" "$kotlin_home/package.json" 2>/dev/null; then
    echo "installing: kotlin-compiler@$KOTLIN_VERSION (npm) into $tools"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --no-save --silent "kotlin-compiler@$KOTLIN_VERSION"
fi
jna=/usr/share/java/jna.jar
if [ ! -f "$jna" ]; then
    echo "installing: libjna-java (Debian)"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libjna-java
fi
command -v java >/dev/null || { echo "error: java (17 or later) is needed" >&2; exit 1; }

if [ ! -d ../shared/fixtures ] && [ -z "${QOLTANBA_FIXTURES:-}" ]; then
    echo "error: the NCA test fixtures are expected in ../shared/fixtures (or set QOLTANBA_FIXTURES)" >&2
    exit 1
fi
export QOLTANBA_FIXTURES="${QOLTANBA_FIXTURES:-$(cd ../shared/fixtures && pwd)}"

scripts/bindings.sh --features testing $([ "$profile" = release ] && echo --release)

coroutines="$kotlin_home/lib/kotlinx-coroutines-core-jvm.jar"
out=target/kotlin-tests
rm -rf "$out"
mkdir -p "$out"
# kotlinc's own JVM; -nowarn: the generated code has unused-variable warnings.
"$kotlin_home/bin/kotlinc" -nowarn -jvm-target 17 \
    -cp "$jna:$coroutines" -d "$out/tests.jar" \
    target/bindings/kotlin/kz/qoltanba/core/qoltanba_ffi.kt bindings/tests/kotlin/*.kt

# The deliberate panics of the panic test print their message, not a backtrace.
RUST_BACKTRACE=0 java -Djna.library.path="$PWD/target/$profile" \
    -cp "$out/tests.jar:$kotlin_home/lib/kotlin-stdlib.jar:$jna:$coroutines" \
    kz.qoltanba.tests.BindingsTestKt "$@"
