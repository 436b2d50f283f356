#!/usr/bin/env bash
# A short fuzz run of every target in fuzz/ (fuzz/README.md): each for
# FUZZ_SECONDS (default 20) under libFuzzer, FUZZ_JOBS (default 2) at a
# time, from the seeds fuzz/seeds.sh makes of testdata/. Any crash, panic,
# leak of memory limits or timeout fails the stage; the input that did it is
# kept in fuzz/artifacts/<target>/ (replay: fuzz/README.md).
#
# Stable Rust is enough: the targets are built with `cargo fuzz build
# --sanitizer none`, whose flags (sancov passes, --cfg fuzzing) are all
# stable rustc options; only the sanitizers need nightly, and the product
# crates forbid unsafe code (the long runs in the README say what a
# sanitizer run adds). Installs cargo-fuzz when it is missing.
#
# Usage: scripts/fuzz-smoke.sh [TARGET…]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-20}"
jobs="${FUZZ_JOBS:-2}"
export CARGO_INCREMENTAL=0

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing: cargo-fuzz (crates.io)"
    cargo install --locked --quiet cargo-fuzz@0.13.2
fi

started=$SECONDS
# -a: debug assertions on, as in tests; the fuzz profile also checks overflow.
cargo fuzz build --sanitizer none --debug-assertions
echo "fuzz targets built in $((SECONDS - started)) s"

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

corpus=fuzz/corpus
fuzz/seeds.sh "$corpus" >/dev/null
triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="${CARGO_TARGET_DIR:-fuzz/target}/$triple/release"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

run_one() {
    local target=$1
    mkdir -p "fuzz/artifacts/$target"
    # A scratch corpus: the seeds plus what this run finds, thrown away after.
    local scratch="$logs/$target.corpus"
    mkdir -p "$scratch"
    if "$bin_dir/$target" "$scratch" "$corpus/$target" \
        -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$target/" \
        >"$logs/$target.log" 2>&1; then
        echo "ok    $target: $(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$target.log") executions"
    else
        echo "FAIL  $target (log below; the input is in fuzz/artifacts/$target/)"
        tail -n 40 "$logs/$target.log"
        return 1
    fi
}

failed=0
running=0
for target in "${targets[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n || failed=1
        running=$((running - 1))
    fi
    run_one "$target" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
done

echo "fuzz smoke run: ${#targets[@]} targets × ${seconds} s, $((SECONDS - started)) s in all"
exit "$failed"
