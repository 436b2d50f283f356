# What both NCALayer test scripts need before they run (sourced by
# scripts/ncalayer-tests.sh and scripts/ncalayer-browser-test.sh from the
# repository root, after `set -euo pipefail`): the Debian packages (openssl,
# xmlsec1, bsdutils' `script` for the harness's terminal, and the caller's
# extra packages in NCALAYER_PACKAGES), gostcrypto from PyPI, node and npm;
# the binaries (`qoltanba`, `qoltanba-ra`, `qoltanba-card-sim`) built with
# QOLTANBA_NCALAYER_FEATURES; the suite's npm packages (`npm ci` from a cache
# in target/npm-cache). Exports QOLTANBA_BIN_DIR for the harness.
# shellcheck shell=bash

# shellcheck source=scripts/apt.sh
. scripts/apt.sh
# shellcheck disable=SC2086 # NCALAYER_PACKAGES is a list of package names.
apt_install_missing openssl xmlsec1 bsdutils ${NCALAYER_PACKAGES:-}
if ! python3 -c "import gostcrypto" >/dev/null 2>&1; then
    echo "installing: gostcrypto (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check gostcrypto==1.2.5
fi
for tool in node npm python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool is needed (Node 18 or later, Python 3)" >&2; exit 1; }
done

features=()
if [ -n "${QOLTANBA_NCALAYER_FEATURES:-}" ]; then
    features=(--features "$QOLTANBA_NCALAYER_FEATURES")
fi
cargo build --locked -p qoltanba-cli -p qoltanba-ra -p qoltanba-card-sim "${features[@]}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
export QOLTANBA_BIN_DIR="$target_dir/debug"

(cd tests/ncalayer && npm ci --cache "$target_dir/npm-cache" --prefer-offline --no-audit --no-fund --loglevel=error)
