#!/usr/bin/env bash
# The Node suite of qoltanba as NCALayer (tests/ncalayer, docs/ncalayer.md):
# the npm package ncalayer-js-client 1.5.6 (pinned in package-lock.json,
# installed with `npm ci` into tests/ncalayer/node_modules from a cache in
# target/npm-cache) drives `qoltanba layer serve` over wss, answered on its
# terminal (a pseudo-terminal made by `script`, from bsdutils) as a citizen
# answers; signatures are checked by `openssl cms -verify`, `xmlsec1
# --verify`, the GOST peer (gostcrypto) and qoltanba's own verifier (GOST).
# Installs what is missing (scripts/ncalayer-prepare.sh: openssl, xmlsec1 and
# bsdutils' script with apt, gostcrypto with pip), as scripts/test.sh does.
#
#   scripts/ncalayer-tests.sh [TEST_FILE…] [--test-name-pattern=RE]   (default: tests/ncalayer/suite.test.js)
#
# QOLTANBA_NCALAYER_FEATURES: cargo features for the binaries (scripts/test.sh
# passes its own, so nothing is rebuilt); QOLTANBA_NCALAYER_WORK: reuse a
# prepared work directory (citizens, RA, layer home).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/ncalayer-prepare.sh
. scripts/ncalayer-prepare.sh

node tests/ncalayer/run.js "$@"
