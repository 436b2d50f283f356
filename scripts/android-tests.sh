#!/usr/bin/env bash
# The Android app's :shell module (android/shell) on this machine, without
# the Android SDK or Gradle:
#
# 1. android.jar of API level 23, the only one Debian carries: Debian
#    bullseye's `libandroid-23-java` (what `android-sdk-platform-23` depends
#    on for platforms/android-23/android.jar), fetched with `apt-get
#    download` through a private apt configuration under target/tools (a
#    bullseye sources entry and its own lists: the system's apt setup is not
#    touched) and unpacked with `dpkg-deb -x`; cached in target/tools/android-23.
# 2. The bindings with features testing and jvm-keystore (scripts/bindings.sh,
#    reused when scripts/kotlin-tests.sh generated them from the current
#    library), compiled once per content into jars (target/android-tests/cache).
# 3. The type-check: android/shell/src/main compiled against that android.jar,
#    the Android flavour of the bindings, JNA and kotlinx-coroutines. A call to
#    a framework API above level 23, or to one that does not exist, fails here.
# 4. The tests: src/main again, with src/test (the pure parts' tests, which
#    Gradle also runs on a runner) and src/jvmTest/kotlin (tests that need the
#    real core library and the framework), against the JVM flavour of the
#    bindings and the Java stand-ins of src/jvmTest/standins (checked member by
#    member against android.jar with javap) plus the AndroidKeyStore stand-in
#    of bindings/tests/kotlin-android; run with JUnit 4 (Debian's junit4) on
#    the desktop JVM against target/debug/libqoltanba_ffi.so.
#
# Installs what it needs when missing: kotlinc and JNA (scripts/kotlin-tools.sh),
# junit4 (Debian), android.jar (above). Needs Java 17+.
#
# With --compile-only it stops after 3: scripts/android-app-typecheck.sh
# compiles the app against those classes (target/android-tests/shell-android).
#
#   scripts/android-tests.sh [test name filter | --compile-only]
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
compile_only=false
[ "${1:-}" = "--compile-only" ] && compile_only=true

. scripts/kotlin-tools.sh

# 1. android.jar (API 23) from Debian bullseye.
android_jar=target/tools/android-23/android.jar
if [ ! -s "$android_jar" ]; then
    apt_dir="$PWD/target/tools/apt-bullseye"
    rm -rf "$apt_dir"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/download"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main" \
        >"$apt_dir/sources.list"
    apt_private=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
        -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
        -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
        -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
        -o "APT::Sandbox::User=root")
    echo "installing: android.jar of API 23 (Debian bullseye's libandroid-23-java) into target/tools/android-23"
    apt-get "${apt_private[@]}" update -qq
    (cd "$apt_dir/download" && apt-get "${apt_private[@]}" download -qq libandroid-23-java)
    mkdir -p "$apt_dir/unpacked" "$(dirname "$android_jar")"
    dpkg-deb -x "$apt_dir/download"/libandroid-23-java_*.deb "$apt_dir/unpacked"
    cp "$apt_dir/unpacked/usr/share/java/com.android.android-23.jar" "$android_jar.tmp"
    mv "$android_jar.tmp" "$android_jar"
    rm -rf "$apt_dir"
fi
unzip -l "$android_jar" android/nfc/tech/IsoDep.class >/dev/null \
    || { echo "error: $android_jar has no android.nfc.tech.IsoDep" >&2; exit 1; }

# 2. The library and its bindings (feature testing: the embedded RA and the
# simulator card; jvm-keystore: the core's Android keystore code on the JVM).
export QOLTANBA_FIXTURES="${QOLTANBA_FIXTURES:-$PWD/testdata}"
lib=target/debug/libqoltanba_ffi.so
# The same build as scripts/bindings.sh's: nothing is rebuilt when fresh.
cargo build -q -p qoltanba-ffi --locked --features cli,testing,jvm-keystore --lib \
    --bin uniffi-bindgen --bin uniffi-bindgen-swift
bindings_jvm=target/bindings/kotlin
bindings_android=target/bindings/kotlin-android
ffi_kt=kz/qoltanba/core/qoltanba_ffi.kt
if [ ! -s "$bindings_jvm/$ffi_kt" ] || [ ! -s "$bindings_android/$ffi_kt" ] \
    || [ "$lib" -nt "$bindings_jvm/$ffi_kt" ] || ! grep -q 'class EmbeddedServer' "$bindings_jvm/$ffi_kt"; then
    scripts/bindings.sh --features testing,jvm-keystore
fi

out=target/android-tests
cache="$out/cache"
mkdir -p "$cache"
rm -rf "$out/shell-android" "$out/shell-jvm" "$out/standins" "$out/stubs"
kotlin_version=$("$kotlinc" -version 2>&1 | tr -d '\n')

# A jar named $1 of the Kotlin bindings in $2 (compiled with the classpath
# $3), kept per content: compiling 15,000 generated lines takes most of a minute.
bindings_jar() {
    local name=$1 dir=$2 classpath=$3 key
    key=$( (echo "$kotlin_version $classpath"; find "$dir" -name '*.kt' | sort | xargs cat) | sha256sum | cut -c1-16)
    local jar="$cache/$name-$key.jar"
    if [ ! -s "$jar" ]; then
        rm -f "$cache/$name"-*.jar
        echo "compiling the bindings in $dir" >&2
        # -nowarn: the generated code has unused-variable warnings.
        "$kotlinc" -nowarn -jvm-target 17 -cp "$classpath" -d "$jar.tmp.jar" $(find "$dir" -name '*.kt' | sort) >&2
        mv "$jar.tmp.jar" "$jar"
    fi
    echo "$jar"
}

# The Android flavour names three things newer than API 23 (SystemCleaner of
# API 34 behind a version check, VERSION_CODES.UPSIDE_DOWN_CAKE, and
# androidx.annotation.RequiresApi): it is compiled against stand-ins for
# those (bindings/android-stubs, as scripts/bindings.sh does) into a jar that
# holds the bindings only.
stubs_jar="$cache/android-newer-than-23-stubs.jar"
[ -s "$stubs_jar" ] || "$kotlinc" -nowarn -jvm-target 17 -d "$stubs_jar" bindings/android-stubs/*.kt
jar_android=$(bindings_jar bindings-android "$bindings_android" "$jna:$coroutines:$stubs_jar")

shell=android/shell/src
main_sources=$(find "$shell/main/kotlin" -name '*.kt' | sort)

# 3. The type-check against the framework of API 23.
echo "== :shell against android.jar (API 23) and the Android flavour of the bindings (at $((SECONDS - started)) s)"
"$kotlinc" -Werror -jvm-target 17 -cp "$android_jar:$jar_android:$jna:$coroutines" \
    -d "$out/shell-android" $main_sources
if $compile_only; then
    echo ":shell compiled against android.jar (API 23) into $out/shell-android"
    exit 0
fi
junit=/usr/share/java/junit4.jar
hamcrest=/usr/share/java/hamcrest.jar
[ -f "$junit" ] && [ -f "$hamcrest" ] || apt_install junit4
jar_jvm=$(bindings_jar bindings-jvm "$bindings_jvm" "$jna:$coroutines")

# 4a. The stand-ins: compiled, and each member checked against android.jar:
# the same signature, the same constant value (hooks live in StandIn* classes).
echo "== the framework stand-ins against android.jar (at $((SECONDS - started)) s)"
mkdir -p "$out/standins"
javac -Xlint:all,-serial -Werror -d "$out/standins" $(find "$shell/jvmTest/standins" -name '*.java' | sort)
standin_classes=$(cd "$out/standins" && find android -name '*.class' ! -name 'StandIn*' ! -name '*$[0-9]*.class' \
    | sed 's/\.class$//; s|/|.|g' | sort)
# One javap per side (each is a JVM start); python3 compares class by class.
javap -public -constants -cp "$out/standins" $standin_classes >"$out/standins.javap"
javap -public -constants -cp "$android_jar" $standin_classes >"$out/android.javap" 2>"$out/android.javap.err" || true
python3 - "$out/standins.javap" "$out/android.javap" $standin_classes <<'PY'
import re, sys
def classes(path):
    out, name = {}, None
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        m = re.match(r"^((?:public |protected |abstract |final |static )*)(class|interface) ([\w.$]+)", line)
        if m:
            name = m.group(3)
            out[name] = {"kind": (m.group(1) + m.group(2)).strip(), "members": set()}
        elif name and line.endswith(";"):
            out[name]["members"].add(line)
    return out
standins, real = classes(sys.argv[1]), classes(sys.argv[2])
bad = 0
for name in sys.argv[3:]:
    mine = standins[name]
    theirs = real.get(name)
    if theirs is None:
        print(f"error: stand-in {name} is not in android.jar (API 23)", file=sys.stderr); bad = 1; continue
    if mine["kind"] != theirs["kind"]:
        print(f"error: stand-in {name} is a '{mine['kind']}', android.jar's a '{theirs['kind']}'", file=sys.stderr); bad = 1
    for member in sorted(mine["members"] - theirs["members"]):
        print(f"error: stand-in {name} has '{member}', which android.jar (API 23) does not", file=sys.stderr); bad = 1
if not bad: print(f"{len(sys.argv) - 3} stand-in classes match android.jar (API 23) member by member")
sys.exit(bad)
PY


# 4b. The tests on the JVM.
echo "== :shell's tests on the JVM against $lib (at $((SECONDS - started)) s)"
# The stand-in mints its fake attestation chains with the certificate helpers
# the keystore suites share (bindings/tests/kotlin-common).
keystore_standin=(bindings/tests/kotlin-android/AndroidKeyStoreStandIn.kt bindings/tests/kotlin-android/KeyGenParameterSpec.kt
    bindings/tests/kotlin-common/Certificates.kt)
test_cp="$out/standins:$jar_jvm:$jna:$coroutines:$junit:$hamcrest"
"$kotlinc" -jvm-target 17 -cp "$test_cp" -d "$out/shell-jvm" \
    $main_sources $(find "$shell/test/kotlin" "$shell/jvmTest/kotlin" -name '*.kt' | sort) "${keystore_standin[@]}"
echo "== running them (at $((SECONDS - started)) s)"
test_classes=$(cd "$out/shell-jvm" && find kz -name '*Test.class' | sed 's/\.class$//; s|/|.|g' | sort)
lib_dir="$PWD/target/debug"
RUST_BACKTRACE=0 java -Djna.library.path="$lib_dir" -Djava.library.path="$lib_dir" \
    -cp "$out/shell-jvm:$test_cp:$stdlib" kz.qoltanba.shell.RunnerKt "${1:-}" $test_classes
echo "android tests done in $((SECONDS - started)) s"
