#!/usr/bin/env bash
# Checks qoltanba's dependencies against deny.toml with cargo-deny:
#   bans      no banned crate (the test kit outside its wrappers), no wildcard
#             versions, duplicate versions reported;
#   licenses  every crate's licence is one deny.toml allows;
#   sources   every crate comes from crates.io;
#   advisories  no crate with a known vulnerability, unsound code, unmaintained
#             status or a yanked version (RustSec advisory database).
#
# Why: these crates end up in the phone apps and the RA server, which handle
# citizens' signing keys; and their licences must fit ours (LICENSE,
# THIRD-PARTY-NOTICES.md).
#
# Installs cargo-deny from crates.io when it is missing (the version below).
#
# The advisory database is a git repository on GitHub that cargo-deny would
# fetch, and this check's machines cannot reach GitHub. So the advisories
# check runs only with a database already on disk, and never fetches:
#   - QOLTANBA_ADVISORY_DB=/path/to/advisory-db (a git checkout of
#     https://github.com/rustsec/advisory-db), or
#   - the copy cargo-deny keeps itself in $CARGO_HOME/advisory-dbs/ after an
#     online `cargo deny fetch` (or any online `cargo deny check advisories`).
# Otherwise it prints one line saying it was skipped. cargo-deny refuses a
# database whose last fetch (or, for a fresh clone, whose clone) is more than
# 90 days old.
#
# Usage: scripts/deny.sh    (exit 0 when every check that ran passed)
set -euo pipefail
cd "$(dirname "$0")/.."

# 0.20.2 builds with Rust 1.88 and later (rust-version in its Cargo.toml).
DENY_VERSION=0.20.2
# The directory cargo-deny 0.20 uses for the default database
# (https://github.com/RustSec/advisory-db) under its db-path: the URL's last
# path segment and a hash of the URL. Check it after changing DENY_VERSION:
# `cargo deny -L debug --offline check advisories` prints
# "Opening advisory database at '...'".
DB_DIR_NAME=advisory-db-3157b0e258782691

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if ! cargo deny --version >/dev/null 2>&1; then
    echo "installing: cargo-deny"
    cargo install --locked cargo-deny --version "$DENY_VERSION"
fi
have="$(cargo deny --version | awk '{print $2}')"
if [ "$have" != "$DENY_VERSION" ]; then
    echo "note: cargo-deny $have is installed; deny.toml and this script are checked with $DENY_VERSION"
fi

status=0

# The graph in deny.toml: default features, no dev-dependencies, every target.
cargo deny --locked check bans licenses sources || status=1

# Again with every feature on, errors only: a crate reached only through a
# feature (the bindings' `testing`, the CLI's `pcsc`, ...) must also keep to
# the bans and the licences.
echo "cargo-deny, all features:"
cargo deny --locked --log-level error --all-features check bans licenses || status=1

# Advisories, from a database on disk only.
config=deny.toml
db=""
if [ -n "${QOLTANBA_ADVISORY_DB:-}" ]; then
    db="$(cd "$QOLTANBA_ADVISORY_DB" 2>/dev/null && pwd)" || db="$QOLTANBA_ADVISORY_DB"
    if [ ! -d "$db/crates" ] || ! git -C "$db" rev-parse --git-dir >/dev/null 2>&1; then
        echo "error: QOLTANBA_ADVISORY_DB=$QOLTANBA_ADVISORY_DB is not a git checkout of rustsec/advisory-db (it needs crates/ and .git)" >&2
        exit 1
    fi
    # cargo-deny reads its databases from <db-path>/<name>: give it a db-path
    # holding only a link to this checkout, through a copy of deny.toml.
    mkdir "$tmp/advisory-dbs"
    ln -s "$db" "$tmp/advisory-dbs/$DB_DIR_NAME"
    awk -v root="$tmp/advisory-dbs" \
        '{ print } /^\[advisories\]$/ { print "db-path = \"" root "\"" }' deny.toml > "$tmp/deny.toml"
    config="$tmp/deny.toml"
elif [ -d "${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/$DB_DIR_NAME/crates" ]; then
    db="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/$DB_DIR_NAME"
fi

if [ -n "$db" ]; then
    echo "cargo-deny advisories: database $db, last commit $(git -C "$db" log -1 --format=%cs 2>/dev/null || echo unknown)"
    # --offline: no fetching of the database (nor of crates).
    cargo deny --locked --offline --config "$config" check advisories || status=1
else
    echo "cargo-deny advisories: skipped, no advisory database reachable (set QOLTANBA_ADVISORY_DB)"
fi

exit "$status"
