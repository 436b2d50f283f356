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
# Installs what is missing with apt (scripts/ncalayer-prepare.sh): Debian's
# chromium, libnss3-tools (certutil), xmlsec1, bsdutils (`script`, the
# harness's terminal), openssl. puppeteer-core (which downloads no browser)
# comes pinned with the suite's packages (tests/ncalayer/package-lock.json),
# installed as scripts/ncalayer-tests.sh installs them.
#
# QOLTANBA_NCALAYER_FEATURES: cargo features for the binaries, as for
# scripts/ncalayer-tests.sh (scripts/test.sh passes its own, so nothing is
# rebuilt); QOLTANBA_NCALAYER_WORK: reuse a prepared work directory.
set -euo pipefail
cd "$(dirname "$0")/.."

NCALAYER_PACKAGES="chromium libnss3-tools"
# shellcheck source=scripts/ncalayer-prepare.sh
. scripts/ncalayer-prepare.sh

CHROMIUM="$(command -v chromium)" node tests/ncalayer/browser/browser.test.cjs
