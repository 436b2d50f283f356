#!/usr/bin/env bash
# The RA's API against its OpenAPI document (server/openapi.json), tested by
# schemathesis (PyPI, pinned) from outside: every check, every phase
# (examples, coverage, fuzzing, and the stateful phase that follows the
# document's links), over plain HTTP on loopback to a real `qoltanba-ra`
# binary with a throwaway home, logged in as an enrolled citizen. Any failure
# (a 5xx, an undocumented status or content type, a body off its schema, a
# rejection that is not problem+json…) fails the script.
#
# Usage: scripts/schemathesis.sh [MAX_EXAMPLES]   (default 50; about 25 s, the suite's
# stage)
# Needs target/debug/qoltanba-ra and target/debug/qoltanba (built if absent);
# schemathesis goes into a venv in target/tools/schemathesis.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
max_examples=${1:-50}
target=${CARGO_TARGET_DIR:-$PWD/target}
venv=$target/tools/schemathesis
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null || true)" != "schemathesis, version $version" ]; then
    echo "installing: schemathesis $version (PyPI) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

ra=$target/debug/qoltanba-ra
cli=$target/debug/qoltanba
if [ ! -x "$ra" ] || [ ! -x "$cli" ]; then
    cargo build --locked -p qoltanba-ra -p qoltanba-cli --bins
fi

work=$(mktemp -d)
server_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'Operat0rPass' >"$work/passphrase"
printf 'Citiz3nPass' >"$work/citizen.pw"
"$ra" init --dir "$work/home" --listen "127.0.0.1:$port" --plain-http \
    --passphrase-file "$work/passphrase" --key-file-profile nca >/dev/null
# A valid IIN: eleven digits and their control digit.
iin=$(python3 - <<'EOF'
first = [9, 0, 0, 1, 0, 1, 3, 0, 0, 4, 2]
for c in range(10):
    d = first + [c]
    s = sum(x * w for x, w in zip(d, range(1, 12))) % 11
    if s == 10:
        s = sum(x * w for x, w in zip(d, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
    if s == c:
        print("".join(map(str, d)))
        break
EOF
)
enrolled=$("$ra" enroll --dir "$work/home" --iin "$iin" --surname ТЕСТОВ --name ТЕСТ \
    --patronymic ТЕСТОВИЧ --phone +77011234567 --email testov@example.kz --algorithm rsa \
    --password-file "$work/citizen.pw" --out "$work/keys" --passphrase-file "$work/passphrase")
key_file() {
    printf '%s' "$enrolled" | python3 -c '
import json, os, sys
keys = [k["file"] for k in json.load(sys.stdin)["keys"]]
print(next(f for f in keys if os.path.basename(f).startswith(sys.argv[1])))' "$1"
}
auth_key=$(key_file AUTH_)
sign_key=$(key_file RSA256_)

"$ra" serve --dir "$work/home" --passphrase-file "$work/passphrase" \
    >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 100); do
    grep -q '^listening on ' "$work/serve.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
done
base=$(sed -n 's/^listening on //p' "$work/serve.out")
[ -n "$base" ] || { echo "the RA did not start" >&2; cat "$work/serve.log" >&2; exit 1; }

# Log in as the citizen: sign the challenge with the AUTH key, post it.
curl -sf -X POST "$base/v1/auth/challenge" |
    python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["nonce"])' >"$work/nonce"
"$cli" message sign --key "$auth_key" --in "$work/nonce" --out "$work/login.p7s" \
    --password-file "$work/citizen.pw" >/dev/null
token=$(curl -sf -X POST -H 'content-type: application/cms' --data-binary "@$work/login.p7s" \
    "$base/v1/auth/login" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

# One real application (awaiting its code), number 1, the example
# openapi.json gives for {number}: the operations on one application reach
# its states, not only 404.
"$cli" application build --sign-key "$sign_key" --email testov@example.kz --locality Астана \
    --storage file --out "$work/new" --password-file "$work/citizen.pw" \
    --new-password-file "$work/citizen.pw" >/dev/null
number=$(curl -sf -X POST -H "Authorization: Bearer $token" \
    -H 'content-type: application/cms' --data-binary "@$work/new/application.p7s" \
    "$base/v1/applications" | python3 -c 'import json, sys; print(json.load(sys.stdin)["number"])')
[ "$number" = 1 ] || { echo "the first application is number $number, not 1" >&2; exit 1; }

echo "schemathesis $version against $base (max $max_examples examples per operation)"
status=0
# From the throwaway folder: schemathesis keeps a cache of past failures in
# .schemathesis/ of its working directory, which would make runs depend on
# earlier ones (and litter the work tree).
repo=$PWD
(cd "$work" && PYTHONPATH="$repo/scripts" SCHEMATHESIS_HOOKS=schemathesis_hooks \
    "$venv/bin/schemathesis" --config-file "$repo/scripts/schemathesis.toml" \
    run "$repo/server/openapi.json" --url "$base" \
    --checks all \
    --max-examples "$max_examples" \
    --seed 21 \
    --no-color \
    -H "Authorization: Bearer $token") || status=$?
if [ "$status" -ne 0 ]; then
    echo "schemathesis failed (exit $status); the RA's last log lines:" >&2
    tail -n 20 "$work/serve.log" >&2
fi
exit "$status"
