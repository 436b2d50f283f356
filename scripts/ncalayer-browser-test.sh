#!/usr/bin/env bash
# The real-browser test of qoltanba as NCALayer (tests/ncalayer/browser/,
# docs/ncalayer.md "Trust"), beside the Node suite of scripts/ncalayer-tests.sh
# and on its harness: headless Chromium, trusting qoltanba's local CA only
# through `qoltanba layer trust` in a temporary HOME's NSS database, loads a
# page from https://localhost:PORT that signs through `qoltanba layer serve`
# with the npm client ncalayer-js-client (a key file, the simulator ID card,
# the desktop keystore); openssl and xmlsec1 verify the signatures. Then the
# same page without that trust must fail.
#
# Installs what is missing with apt, as scripts/test.sh does: Debian's
# chromium, libnss3-tools (certutil), xmlsec1, util-linux (`script`, the
# harness's terminal), openssl. puppeteer-core (which downloads no browser)
# comes pinned with the suite's packages (tests/ncalayer/package-lock.json),
# installed as scripts/ncalayer-tests.sh installs them.
#
# QOLTANBA_NCALAYER_FEATURES: cargo features for the binaries, as for
# scripts/ncalayer-tests.sh (scripts/test.sh passes its own, so nothing is
# rebuilt); QOLTANBA_NCALAYER_WORK: reuse a prepared work directory.
set -euo pipefail
cd "$(dirname "$0")/.."

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v xmlsec1 >/dev/null 2>&1 || missing+=(xmlsec1)
command -v script >/dev/null 2>&1 || missing+=(util-linux)
for pkg in chromium libnss3-tools; do
    installed "$pkg" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
command -v node >/dev/null 2>&1 || { echo "node is needed (Node 18 or later)" >&2; exit 1; }

features=()
if [ -n "${QOLTANBA_NCALAYER_FEATURES:-}" ]; then
    features=(--features "$QOLTANBA_NCALAYER_FEATURES")
fi
cargo build --locked -p qoltanba-cli -p qoltanba-ra -p qoltanba-card-sim "${features[@]}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
export QOLTANBA_BIN_DIR="$target_dir/debug"

(cd tests/ncalayer && npm ci --cache "$target_dir/npm-cache" --prefer-offline --no-audit --no-fund --loglevel=error)
CHROMIUM="$(command -v chromium)" node tests/ncalayer/browser/browser.test.cjs
