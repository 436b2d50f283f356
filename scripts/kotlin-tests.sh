#!/usr/bin/env bash
# The Kotlin tests of the bindings, on the desktop JVM against the real
# library: builds qoltanba-ffi (features testing: simulator card, embedded RA,
# panicking calls; jvm-keystore: the core's Android keystore code and
# JNI_OnLoad), generates the Kotlin bindings (scripts/bindings.sh: a file per
# crate with uniffi types), compiles them with bindings/tests/kotlin/*.kt and bindings/tests/kotlin-android/*.kt
# (and bindings/tests/kotlin-common/*.kt, which the instrumented tests on a
# device compile too: the checks, the journeys' helpers, the keystore cases)
# (stand-ins for Android's keystore classes and the Android keystore tests)
# and runs both suites, each in its own JVM (the Android keystore one loads
# the library with System.loadLibrary, as an app does, under -Xcheck:jni).
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

# kotlinc, kotlin-stdlib, kotlinx-coroutines and JNA (installed when missing).
. scripts/kotlin-tools.sh

# The NCA test fixtures: the repository's testdata/ unless set.
export QOLTANBA_FIXTURES="${QOLTANBA_FIXTURES:-$PWD/testdata}"

scripts/bindings.sh --features testing,jvm-keystore $([ "$profile" = release ] && echo --release)

out=target/kotlin-tests
rm -rf "$out"
mkdir -p "$out"
# kotlinc's own JVM; -nowarn: the generated code has unused-variable warnings.
"$kotlin_home/bin/kotlinc" -nowarn -jvm-target 17 \
    -cp "$jna:$coroutines" -d "$out/tests.jar" \
    $(find target/bindings/kotlin -name '*.kt' | sort) bindings/tests/kotlin-common/*.kt \
    bindings/tests/kotlin/*.kt bindings/tests/kotlin-android/*.kt

# The deliberate panics of the panic test print their message, not a backtrace.
lib_dir="$PWD/target/$profile"
run_java() {
    RUST_BACKTRACE=0 java -Djna.library.path="$lib_dir" -Djava.library.path="$lib_dir" "$@"
}
classpath="$out/tests.jar:$kotlin_home/lib/kotlin-stdlib.jar:$jna:$coroutines"
if [ "${1:-}" = --bench ]; then
    run_java -cp "$classpath" kz.qoltanba.tests.BindingsTestKt "$@"
    run_java -cp "$classpath" kz.qoltanba.tests.android.AndroidKeystoreTestsKt "$@"
    exit 0
fi

set +e
run_java -cp "$classpath" kz.qoltanba.tests.BindingsTestKt "$@" 2>&1 | tee "$out/bindings.log"
bindings_status=${PIPESTATUS[0]}
# -Xcheck:jni: the VM checks every JNI call the core makes (a call with an
# exception pending or unchecked, a wrong reference or class, a local frame
# misused). JNA's own native code draws many warnings on every Java thread:
# the whole output is in $out/android.log, the console shows it without them.
run_java -Xcheck:jni -cp "$classpath" kz.qoltanba.tests.android.AndroidKeystoreTestsKt "$@" 2>&1 \
    | tee "$out/android.log" \
    | awk '/^(WARNING in native method|WARNING: JNI local refs)/ { skip = 1; next }
        skip && /^\t/ { next }
        { skip = 0; print }'
android_status=${PIPESTATUS[0]}
set -e

# A name filter may match tests of one suite only.
if [ $# -gt 0 ] && grep -qx "no test matched" "$out/bindings.log"; then
    if grep -qx "no Android keystore test matched" "$out/android.log"; then
        exit 1
    fi
    bindings_status=0
fi
# The JVM's JNI checks mostly only warn. JNA's warnings come on Java
# threads, followed by the thread's Java stack; on the threads the core
# attaches itself (the suite runs every test there too) there is no Java
# frame, so a warning without a stack is about the core's JNI calls and
# fails the run (a deliberate unchecked call made it fail when tried).
if ! awk '/^(WARNING in native method|WARNING: JNI local refs|FATAL ERROR in native method)/ {
        if (pending != "") { print "  " pending; bad = 1 }
        pending = $0; next
    }
    pending != "" { if ($0 !~ /^\tat /) { print "  " pending; bad = 1 }; pending = "" }
    /^FATAL ERROR/ { bad = 1 }
    END { if (pending != "") { print "  " pending; bad = 1 }; exit bad }' "$out/android.log" >"$out/jni-check.log"; then
    echo "error: -Xcheck:jni reported JNI misuse by the core (on threads it attached):" >&2
    cat "$out/jni-check.log" >&2
    android_status=1
fi
[ "$bindings_status" -eq 0 ] && [ "$android_status" -eq 0 ]
