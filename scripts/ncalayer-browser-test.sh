#!/usr/bin/env bash
# The real-browser test of qoltanba as NCALayer (tests/ncalayer/browser/):
# headless Chromium, trusting qoltanba's local CA only through
# `qoltanba layer trust` in a temporary HOME's NSS database, loads a page
# from https://localhost:PORT that signs through `qoltanba layer serve` with
# the npm client ncalayer-js-client; openssl verifies the signatures. Then
# the same page without trust must fail.
#
# Installs what it needs when missing: Debian's chromium, libnss3-tools
# (certutil), xmlsec1, util-linux (`script`, the harness's terminal) and
# openssl (apt, as scripts/test.sh does), and the npm packages
# pinned in tests/ncalayer/package-lock.json (puppeteer-core, which downloads
# no browser, and ncalayer-js-client) into target/ncalayer-node, reinstalled
# when the lock file changes.
set -euo pipefail
cd "$(dirname "$0")/.."

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
for pkg in chromium libnss3-tools xmlsec1 util-linux; do
    installed "$pkg" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

target="${CARGO_TARGET_DIR:-target}"
node_dir="$target/ncalayer-node"
mkdir -p "$node_dir"
if ! cmp -s tests/ncalayer/package-lock.json "$node_dir/package-lock.json" \
    || [ ! -d "$node_dir/node_modules" ]; then
    echo "installing the pinned npm packages into $node_dir"
    cp tests/ncalayer/package.json tests/ncalayer/package-lock.json "$node_dir/"
    # --ignore-scripts: no install hooks run (puppeteer-core has no browser
    # download; the browser is Debian's).
    (cd "$node_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi

# The binaries the harness runs (tests/ncalayer/harness.js), as the
# workspace's tests build them: the CLI with PC/SC where libpcsclite is
# there, the RA with its card enrolment (one binary each, not two builds
# taking turns in one file).
features=(--features qoltanba-ra/card-enrolment)
if pkg-config --exists libpcsclite 2>/dev/null; then features+=(--features qoltanba-cli/pcsc); fi
cargo build --quiet --locked -p qoltanba-cli -p qoltanba-ra -p qoltanba-card-sim "${features[@]}"
QOLTANBA_BIN_DIR="$PWD/$target/debug" \
NODE_PATH="$PWD/$node_dir/node_modules" \
CHROMIUM="$(command -v chromium)" \
    node tests/ncalayer/browser/browser.test.cjs
