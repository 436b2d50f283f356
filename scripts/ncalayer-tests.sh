#!/usr/bin/env bash
# The Node suite of qoltanba as NCALayer (tests/ncalayer, docs/ncalayer.md):
# the npm package ncalayer-js-client 1.5.6 (pinned in package-lock.json,
# installed with `npm ci` into tests/ncalayer/node_modules from a cache in
# target/npm-cache) drives `qoltanba layer serve` over wss, answered on its
# terminal (a pseudo-terminal made by util-linux `script`) as a citizen
# answers; signatures are checked by `openssl cms -verify`, `xmlsec1
# --verify`, the GOST peer (gostcrypto) and qoltanba's own verifier (GOST).
# Installs what is missing (openssl, xmlsec1, util-linux's script with apt,
# gostcrypto with pip), as scripts/test.sh does.
#
#   scripts/ncalayer-tests.sh [TEST_FILE…] [--test-name-pattern=RE]   (default: tests/ncalayer/suite.test.js)
#
# QOLTANBA_NCALAYER_FEATURES: cargo features for the binaries (scripts/test.sh
# passes its own, so nothing is rebuilt); QOLTANBA_NCALAYER_WORK: reuse a
# prepared work directory (citizens, RA, layer home).
set -euo pipefail
cd "$(dirname "$0")/.."

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v xmlsec1 >/dev/null 2>&1 || missing+=(xmlsec1)
command -v script >/dev/null 2>&1 || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
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
node tests/ncalayer/run.js "$@"
