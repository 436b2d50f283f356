# shellcheck shell=bash
# Sourced by scripts/android-check.sh and scripts/apple-check.sh: the rustup
# targets of "${wanted[@]}" this machine has or can add, into "${targets[@]}".
# A target rustup will not add (offline, or not in this toolchain) is skipped
# with a notice; with no rustup or no target at all, the calling check is
# skipped (exit 0), never failed: these checks are a bonus where rustup answers.
#
#   wanted=(...); . scripts/rust-targets.sh; available_targets "Android"
available_targets() {
    local what=$1
    if ! command -v rustup >/dev/null 2>&1; then
        echo "notice: no rustup on this machine: the $what targets cannot be added; skipping the $what check"
        exit 0
    fi
    local installed_targets target
    installed_targets="$(rustup target list --installed 2>/dev/null || true)"
    targets=()
    # shellcheck disable=SC2154 # wanted: set by the sourcing script
    for target in "${wanted[@]}"; do
        if grep -qx "$target" <<<"$installed_targets"; then
            targets+=("$target")
        elif timeout 600 rustup target add "$target" >/dev/null 2>&1; then
            targets+=("$target")
        else
            echo "notice: rustup did not add $target (offline, or not in this toolchain): skipping it"
        fi
    done
    if [ ${#targets[@]} -eq 0 ]; then
        echo "notice: no $what target available from rustup; skipping the $what check"
        exit 0
    fi
}
