#!/usr/bin/env bash
# Checks the minimum supported Rust version (MSRV) that the workspace declares
# in Cargo.toml, [workspace.package] rust-version.
#
# Why: the apps and other users may build qoltanba with an older compiler than
# the one we develop with. Two checks make the declared version true:
#
# 1. Dependencies: no crate in Cargo.lock that the workspace uses (all
#    features, every target platform, normal, build and dev dependencies) may
#    declare a rust-version higher than the workspace's, and no workspace
#    member may declare a higher one either. Read from `cargo metadata`, which
#    compiles nothing. Offenders are listed and the script fails.
# 2. Compiling: `cargo +<MSRV> check --workspace --locked` with that exact
#    toolchain, installed through rustup (minimal profile) when missing. Its
#    output goes to target/msrv so it does not disturb the normal builds. When
#    the toolchain cannot be had (no rustup, or the download is refused), this
#    check is skipped with one line saying why; the dependency check still runs.
#
# Usage: scripts/msrv.sh            (exit 0: both passed or the compile check
#                                    was skipped; non-zero: a check failed)
# Needs cargo and python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The declared MSRV, from [workspace.package].
msrv="$(python3 - <<'PY'
import re
text = open("Cargo.toml", encoding="utf-8").read()
try:
    import tomllib
    print(tomllib.loads(text)["workspace"]["package"]["rust-version"])
except ImportError:  # Python < 3.11: read the one key by hand
    section = re.search(r"^\[workspace\.package\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    print(re.search(r'^rust-version\s*=\s*"([^"]+)"', section.group(1), re.M).group(1))
PY
)"
echo "msrv: the workspace declares rust-version = \"$msrv\""

# 1. No dependency may need a newer compiler than the workspace declares.
cargo metadata --format-version 1 --locked --all-features > "$tmp/metadata.json"
deps_ok=0
MSRV="$msrv" python3 - "$tmp/metadata.json" <<'PY' || deps_ok=$?
import json
import os
import sys

def version(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))

msrv = os.environ["MSRV"]
limit = version(msrv)
meta = json.load(open(sys.argv[1], encoding="utf-8"))
members = set(meta["workspace_members"])
offenders, undeclared = [], []
for p in sorted(meta["packages"], key=lambda p: (p["name"], p["version"])):
    rv = p.get("rust_version")
    if rv is None:
        if p["id"] in members:
            undeclared.append(p["name"])
        continue
    if version(rv) > limit:
        kind = "workspace member" if p["id"] in members else "dependency"
        offenders.append(f"  {p['name']} {p['version']} ({kind}) needs rust-version {rv}")
for name in undeclared:
    print(f"msrv: note: workspace member {name} declares no rust-version "
          "(add `rust-version.workspace = true`)")
if offenders:
    print(f"msrv: {len(offenders)} crate(s) need a newer Rust than {msrv}:")
    print("\n".join(offenders))
    print("msrv: raise [workspace.package] rust-version, or pin older versions "
          "of these crates in Cargo.lock (cargo update -p NAME --precise VERSION)")
    sys.exit(1)
n = len(meta["packages"]) - len(members)
print(f"msrv: dependencies: ok, none of the {n} crates in Cargo.lock "
      f"declares a rust-version above {msrv}")
PY

# 2. Compile the workspace with the MSRV toolchain.
compile_ok=0
toolchain="$msrv"
skip_reason=""
if ! command -v rustup >/dev/null 2>&1; then
    skip_reason="rustup is not installed, so the $toolchain toolchain cannot be fetched"
elif ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    echo "installing: Rust $toolchain toolchain (rustup, minimal profile)"
    if ! rustup toolchain install "$toolchain" --profile minimal >"$tmp/rustup.log" 2>&1; then
        reason="$(grep -m1 -i 'error' "$tmp/rustup.log" || tail -n 1 "$tmp/rustup.log")"
        skip_reason="rustup could not install the $toolchain toolchain: ${reason:-no reason given}"
    fi
fi
if [ -n "$skip_reason" ]; then
    echo "msrv: compile check with Rust $toolchain skipped: $skip_reason"
else
    echo "msrv: cargo +$toolchain check --workspace --locked ($(rustup run "$toolchain" rustc --version))"
    cargo "+$toolchain" check --workspace --locked --target-dir target/msrv || compile_ok=$?
    if [ "$compile_ok" -eq 0 ]; then
        echo "msrv: compile check with Rust $toolchain: ok"
    else
        echo "msrv: compile check with Rust $toolchain: FAILED" >&2
    fi
fi

if [ "$deps_ok" -ne 0 ] || [ "$compile_ok" -ne 0 ]; then
    exit 1
fi
