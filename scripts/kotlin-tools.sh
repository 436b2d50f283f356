# Sourced by scripts/kotlin-tests.sh and scripts/android-tests.sh: installs,
# when missing, what both compile and run Kotlin with, and names it:
#   kotlin_home  kotlinc 2.4.20 from the npm package `kotlin-compiler` (it
#                also carries kotlin-stdlib and kotlinx-coroutines), in
#                target/tools/kotlin
#   kotlinc      "$kotlin_home/bin/kotlinc"
#   stdlib       kotlin-stdlib.jar
#   coroutines   kotlinx-coroutines-core-jvm.jar
#   jna          JNA from Debian's `libjna-java`
# and checks for Java 17+. Run from the repository's root.

KOTLIN_VERSION=2.4.20
kotlin_tools=target/tools/kotlin
kotlin_home="$kotlin_tools/node_modules/kotlin-compiler"
if [ ! -x "$kotlin_home/bin/kotlinc" ] \
    || ! grep -q "\"version\": \"$KOTLIN_VERSION\"" "$kotlin_home/package.json" 2>/dev/null; then
    echo "installing: kotlin-compiler@$KOTLIN_VERSION (npm) into $kotlin_tools"
    mkdir -p "$kotlin_tools"
    npm install --prefix "$kotlin_tools" --no-audit --no-fund --no-save --silent "kotlin-compiler@$KOTLIN_VERSION"
fi
kotlinc="$kotlin_home/bin/kotlinc"
stdlib="$kotlin_home/lib/kotlin-stdlib.jar"
coroutines="$kotlin_home/lib/kotlinx-coroutines-core-jvm.jar"

# shellcheck source=scripts/apt.sh
. scripts/apt.sh

jna=/usr/share/java/jna.jar
[ -f "$jna" ] || apt_install libjna-java
command -v java >/dev/null || { echo "error: java (17 or later) is needed" >&2; exit 1; }
