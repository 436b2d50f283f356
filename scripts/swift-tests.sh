#!/usr/bin/env bash
# The Swift side for real on Linux: `swift test` of the bindings' package
# (bindings/swift) and of the iOS shell's platform-free package
# (ios/QoltanbaShell) against the Linux build of the library with feature
# `testing` (target/debug/libqoltanba_ffi.so: embedded RA, simulator card).
#
# This Debian release has no Swift; Debian trixie's `swiftlang` (6.0.3, with
# Foundation and XCTest) does. So the script keeps a trixie chroot made with
# debootstrap in target/tools/swift-chroot (built when missing, about 3.3 GB;
# nothing is cached outside the machine), bind-mounts the repository into it
# at the same path (the host-built library and the generated bindings are
# used as they are: trixie's glibc is newer than the host's) and runs
# `swift test` there. Needs root for debootstrap, chroot and mount (CI runs
# as root; otherwise sudo). Installs debootstrap with apt when missing.
#
#   scripts/swift-tests.sh [--rebuild-chroot] [swift test filter]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
# shellcheck source=scripts/apt.sh
. scripts/apt.sh
repo=$PWD
chroot_dir=$repo/target/tools/swift-chroot
# The release whose swiftlang we use and the version we expect of it.
suite=trixie
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
swiftlang_version=6.0.3
ready=$chroot_dir/.qoltanba-swift-ready
started=$SECONDS

# Mounts under the chroot left by a run that was killed (no trap ran) are
# undone first: the repository's bind mount is on the same file system, so
# `rm -rf --one-file-system` would not stop at it.
unmount_leftovers() {
    local target
    while read -r target; do
        $sudo umount "$target" 2>/dev/null || $sudo umount -l "$target"
    done < <(awk -v root="$chroot_dir/" 'index($2, root) == 1 { print $2 }' /proc/self/mounts | sort -r)
    if awk -v root="$chroot_dir/" 'index($2, root) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
        echo "error: something is still mounted under $chroot_dir; not touching it" >&2
        exit 1
    fi
}
remove_chroot() {
    unmount_leftovers
    $sudo rm -rf --one-file-system "$chroot_dir"
}
unmount_leftovers

if [ "${1:-}" = --rebuild-chroot ]; then
    shift
    remove_chroot
fi

# Everything mounted below is unmounted on every exit, in reverse order.
mounted=()
cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        $sudo umount "${mounted[$i]}" 2>/dev/null || $sudo umount -l "${mounted[$i]}" || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mount_into() { # mount_into TARGET MOUNT-ARGS...
    local target=$1
    shift
    $sudo mkdir -p "$target"
    $sudo mount "$@" "$target"
    mounted+=("$target")
}
in_chroot() { $sudo chroot "$chroot_dir" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 "$@"; }

# /proc for the toolchain (its binaries find their libraries through
# $ORIGIN, which the loader reads from /proc/self/exe) and /dev.
mount_into "$chroot_dir/proc" -t proc proc
mount_into "$chroot_dir/dev" --bind /dev

if [ ! -f "$ready" ]; then
    echo "building the Swift chroot ($suite, swiftlang $swiftlang_version) in $chroot_dir"
    t0=$SECONDS
    command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap >/dev/null
    # A half-built chroot from an interrupted run is started afresh.
    cleanup
    mounted=()
    remove_chroot
    $sudo debootstrap --variant=minbase "$suite" "$chroot_dir" "$mirror" >"$repo/target/tools/swift-debootstrap.log" \
        || { tail -20 "$repo/target/tools/swift-debootstrap.log" >&2; exit 1; }
    echo "debootstrap: $((SECONDS - t0)) s"
    t0=$SECONDS
    mount_into "$chroot_dir/proc" -t proc proc
    mount_into "$chroot_dir/dev" --bind /dev
    $sudo cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
    # libc6-dev: only recommended by gcc, yet swiftc links with its crt files.
    in_chroot apt-get update -qq
    in_chroot env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends swiftlang libc6-dev >/dev/null
    in_chroot apt-get clean
    echo "swiftlang: $((SECONDS - t0)) s"
    version=$(in_chroot swift --version 2>&1)
    grep -q "Swift version $swiftlang_version" <<<"$version" \
        || { echo "error: the chroot's Swift is not $swiftlang_version: $version" >&2; exit 1; }
    $sudo touch "$ready"
fi
echo "chroot ready at $((SECONDS - started)) s: $(in_chroot swift --version 2>&1 | head -1)"

# The library (feature testing: the embedded RA, the simulator card) and its
# Swift bindings (target/bindings/swift), checked by bindings.sh. Its
# compile of the Kotlin Android flavour (a minute of kotlinc) is the bindings
# stage's, not repeated here: KOTLINC names no compiler.
KOTLINC=/nonexistent/kotlinc scripts/bindings.sh --features testing
lib_dir=$repo/target/debug
[ -f "$lib_dir/libqoltanba_ffi.so" ] || { echo "error: $lib_dir/libqoltanba_ffi.so was not built" >&2; exit 1; }

# The Linux layout of bindings/swift (build output, see its .gitignore): the
# generated Swift in Sources/Qoltanba (as scripts/apple.sh puts it) and the C
# module QoltanbaFFI as a system library: the generated headers and their
# modulemap, which on Linux links libqoltanba_ffi.so and uses no Darwin.
package=bindings/swift
# Files are replaced only when their content changed, so that a warm run
# does not recompile the bindings' 7,000 lines.
install_if_changed() { # install_if_changed SOURCE TARGET
    cmp -s "$1" "$2" || cp "$1" "$2"
}
mkdir -p "$package/Sources/Qoltanba" "$package/Sources/QoltanbaFFI"
expected=()
for f in target/bindings/swift/*.swift; do
    install_if_changed "$f" "$package/Sources/Qoltanba/$(basename "$f")"
    expected+=("Qoltanba/$(basename "$f")")
done
for f in target/bindings/swift/*.h; do
    install_if_changed "$f" "$package/Sources/QoltanbaFFI/$(basename "$f")"
    expected+=("QoltanbaFFI/$(basename "$f")")
done
sed -e '/use "Darwin"/d' -e 's/^\( *\)export \*/\1link "qoltanba_ffi"\n\1export */' \
    target/bindings/swift/QoltanbaFFI.modulemap >target/bindings/swift-linux.modulemap
grep -q 'link "qoltanba_ffi"' target/bindings/swift-linux.modulemap \
    || { echo "error: the generated modulemap changed shape (no 'export *')" >&2; exit 1; }
install_if_changed target/bindings/swift-linux.modulemap "$package/Sources/QoltanbaFFI/module.modulemap"
expected+=(QoltanbaFFI/module.modulemap)
# Nothing else: a file a crate no longer generates must not linger.
for f in "$package"/Sources/Qoltanba/* "$package"/Sources/QoltanbaFFI/*; do
    [[ " ${expected[*]} " == *" ${f#"$package"/Sources/} "* ]] || rm -f "$f"
done

# The repository at the same path inside the chroot: every absolute path
# (the library, the fixtures, #filePath) means the same on both sides.
mount_into "$chroot_dir$repo" --bind "$repo"

# swift test, with the build under target/ (not in the packages); the test
# binaries find the library through an rpath.
swift_test() { # swift_test PACKAGE-DIR [FILTER]
    local t0=$SECONDS
    echo
    echo "-- swift test $1"
    in_chroot QOLTANBA_FIXTURES="${QOLTANBA_FIXTURES:-$repo/testdata}" RUST_BACKTRACE=0 \
        swift test --package-path "$repo/$1" --scratch-path "$repo/target/swift-build/$(basename "$1")" \
        -Xlinker -L"$lib_dir" -Xlinker -rpath -Xlinker "$lib_dir" ${2:+--filter "$2"}
    echo "-- $1: $((SECONDS - t0)) s"
}
swift_test bindings/swift "${1:-}"
swift_test ios/QoltanbaShell "${1:-}"

echo
echo "swift tests passed in $((SECONDS - started)) s"
