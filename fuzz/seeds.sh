#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/) from the fixtures in
# testdata/ (NCA's key files and certificates, the Kazakh ID card's logs)
# and from what qoltanba itself makes of them: a reissue application with
# its CSRs and new key files (`qoltanba application build` on NCA's test key
# at a date it was valid), a signed message (`qoltanba message sign`), and a
# few hand-written push payloads, RA bodies and APDUs. A few hundred KB in
# all; the corpora the fuzzer grows from them are not committed.
#
# Usage: fuzz/seeds.sh [CORPUS_DIR]   (default fuzz/corpus)
# Needs: python3, and the qoltanba CLI (QOLTANBA_CLI, else target/debug/
# qoltanba, else built here with `cargo build -p qoltanba-cli`).
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-fuzz/corpus}"
fixtures="${QOLTANBA_FIXTURES:-$PWD/testdata}"
nca="$fixtures/nca-test"
targets=(keyfile keyfile_past_mac certificate csr application signed_message push_payload
    ra_json apdu_tlv sm_response card_session sim_commands xml_signature ncalayer_frame)
for t in "${targets[@]}"; do mkdir -p "$corpus/$t"; done

cli="${QOLTANBA_CLI:-${CARGO_TARGET_DIR:-target}/debug/qoltanba}"
if [ ! -x "$cli" ]; then
    cargo build --quiet -p qoltanba-cli
fi

seed() { # seed TARGET NAME < bytes
    cat >"$corpus/$1/$2"
}

# Key files and certificates, as NCA issued them.
for p12 in "$nca"/gokalkan/*.p12; do
    cp "$p12" "$corpus/keyfile/"
    cp "$p12" "$corpus/keyfile_past_mac/"
done
find "$nca" \( -name '*.cer' -o -name '*.crt' \) -exec cp {} "$corpus/certificate/" \;
cp "$fixtures"/../pki/testdata/android-attestation/*.pem "$corpus/certificate/" 2>/dev/null || true
find "$nca" -name '*.xml' -exec cp {} "$corpus/xml_signature/" \;

# What qoltanba makes from NCA's test key, at a date its certificate was valid.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf 'Qwerty12' >"$work/password"
printf 'Qwerty12' >"$work/new-password"
for algorithm in p256 gost512; do
    "$cli" --at 2024-06-01T00:00:00Z application build \
        --sign-key "$nca/gokalkan/gost1.p12" --email citizen@example.kz --locality Almaty \
        --storage file --out "$work/$algorithm" --algorithm "$algorithm" \
        --password-file "$work/password" --new-password-file "$work/new-password" >/dev/null
    find "$work/$algorithm" -name '*.p7s' -exec cp {} "$corpus/application/$algorithm.p7s" \;
    find "$work/$algorithm" -name '*.p7s' -exec cp {} "$corpus/signed_message/application-$algorithm.p7s" \;
    i=0
    for file in "$work/$algorithm"/*; do
        i=$((i + 1))
        case "$file" in
        *.p12)
            cp "$file" "$corpus/keyfile/new-$algorithm-$i.p12"
            cp "$file" "$corpus/keyfile_past_mac/new-$algorithm-$i.p12"
            ;;
        # The CLI writes CSRs in PEM; the RA reads them as DER out of the application.
        *.csr) openssl req -in "$file" -outform DER -out "$corpus/csr/$algorithm-$i.der" ;;
        esac
    done
done
printf 'login 2024-06-01 nonce 5f3a' >"$work/content"
"$cli" --at 2024-06-01T00:00:00Z message sign --key "$nca/gokalkan/gost1.p12" \
    --in "$work/content" --out "$work/message.p7s" --password-file "$work/password" >/dev/null
cp "$work/message.p7s" "$corpus/signed_message/"
cp "$work/message.p7s" "$corpus/application/message.p7s"
# The CSRs inside the application, when the build wrote none beside it.
if [ -z "$(ls -A "$corpus/csr")" ]; then
    python3 - "$corpus/application" "$corpus/csr" <<'EOF'
import pathlib, sys
# A CSR is a SEQUENCE starting 30 82 .. .. 30 82 (certificationRequestInfo);
# pick them out of the application's DER by that shape and their length.
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
n = 0
for f in src.glob("*.p7s"):
    b = f.read_bytes()
    for i in range(len(b) - 8):
        if b[i] == 0x30 and b[i + 1] == 0x82 and b[i + 4] == 0x30 and b[i + 5] == 0x82:
            ln = (b[i + 2] << 8 | b[i + 3]) + 4
            inner = (b[i + 6] << 8 | b[i + 7]) + 4
            if inner < ln <= len(b) - i and b[i + 8] == 0x02 and b[i + 9] == 0x01 and b[i + 10] == 0x00:
                n += 1
                (dst / f"from-{f.stem}-{n}.der").write_bytes(b[i:i + ln])
EOF
fi

# Frames (fuzz/src/lib.rs): a 16-bit big-endian length, then the bytes.
python3 - "$corpus" "$fixtures/kz-idcard" <<'EOF'
import json, pathlib, re, sys

corpus, logs = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])

def frames(*messages):
    out = b""
    for m in messages:
        out += len(m).to_bytes(2, "big") + m
    return out

def put(target, name, data):
    (corpus / target / name).write_bytes(data)

# The real ID card's answers, in the order its log gives them: data ‖ SW.
for log in sorted(logs.glob("*.log")):
    answers, data = [], b""
    for line in log.read_text().splitlines():
        m = re.fullmatch(r"\[(\d+) (\d+)\]", line.strip())
        if m:
            answers.append(bytes([int(m[1]), int(m[2])]))
        elif re.fullmatch(r"[0-9a-f]+", line.strip()) and answers:
            answers[-1] = bytes.fromhex(line.strip()) + answers[-1]
    # card_session: script (profile kz-idcard, then status, keys, signing), no ATR.
    script = bytes([2, 0, 2, 2, 3, 4, 5, 1, 6])
    put("card_session", f"{log.stem}", frames(script, b"", *answers))
    put("card_session", f"{log.stem}-probe", frames(bytes([0, 0, 1, 2]), b"", *answers))
    put("card_session", f"{log.stem}-ref", frames(bytes([1, 0, 1, 2]), b"", *answers))
    for i, a in enumerate(answers[:6]):
        put("apdu_tlv", f"{log.stem}-{i}", a)

# Card access and templates the card stack reads.
card_access = bytes.fromhex("3114300f060a04007f00070202040202020102010d")
put("apdu_tlv", "card-access", card_access)
put("apdu_tlv", "ec-template", bytes.fromhex("7f494386410400") + bytes(64))
put("apdu_tlv", "rsa-template", bytes.fromhex("7f4982010981820100") + bytes([0xC5]) * 256 + bytes.fromhex("8203010001"))
put("apdu_tlv", "nested", bytes.fromhex("6f108407a0000000031010a5055003414243"))
put("apdu_tlv", "command-extended", bytes.fromhex("00a4040000000aF0514F4C54414E4241010000"))

# Commands for the simulator: SELECT MF, SELECT the key application,
# VERIFY, GET DATA, READ BINARY, MSE:SET, PSO:CDS, INTERNAL AUTHENTICATE.
commands = [
    "00a40000023f00",
    "00a404000aF0514F4C54414E42410100",
    "0020008106313233343536",
    "00ca00ff00",
    "00b09c0000",
    "0022419606800101840181",
    "002a9e9a20" + "5a" * 32 + "00",
    "0088000020" + "5a" * 32 + "00",
    "00cb3fff0a4d08ffa006bf8701807f4900",
]
cmds = [bytes.fromhex(c) for c in commands]
put("sim_commands", "kz", bytes([0]) + frames(*cmds))
put("sim_commands", "ref-clear", bytes([1]) + frames(*cmds))
# Behind SM: INS P1 P2 Le data.
sm = [bytes.fromhex(c[2:8] + "00" + c[10:]) for c in commands]
put("sim_commands", "ref-sm", bytes([2]) + frames(*sm))
# Secure messaging: card-protected answers (odd kind byte), then raw ones.
put("sm_response", "protected", frames(b"\x01\x90\x00" + b"certificate bytes", b"\x01\x90\x00", b"\x01\x63\xc2"))
put("sm_response", "raw", frames(b"\x00" + bytes.fromhex("990290008e08" + "00" * 8 + "9000")))

# Push payloads: the FCM data object, the FCM message, its send request, APNs.
data = {"qoltanba": "1", "kind": "expiry", "serial": "4A1B", "purpose": "sign",
        "not_after": "2030-01-01T00:00:00Z", "days_left": "7"}
apns = {"aps": {"alert": "x"}, "qoltanba": {"v": 1, "kind": "expiry", "serial": "4A1B",
        "purpose": "auth", "not_after": "2030-01-01T00:00:00Z", "days_left": 7}}
for name, value in [("fcm-data", data), ("fcm-message", {"data": data}),
                    ("fcm-send", {"message": {"data": data}}), ("apns", apns)]:
    put("push_payload", name, json.dumps(value).encode())

# RA bodies, both ways.
bodies = {
    "problem": {"type": "about:blank", "title": "t", "status": 409, "code": "c", "detail": "d"},
    "login-answer": {"token": "t", "token_type": "Bearer", "iin": "123456789011", "expires_at": "2030-01-01T00:00:00Z"},
    "confirmation": {"code": "123456"},
    "revocation": {"serial": "4A1B", "reason": "key-compromise"},
    "device": {"platform": "android", "token": "t", "locale": "kk"},
    "profile-update": {"contact_email": "a@b.kz", "notifications": {"email": True, "sms": False, "push": True}},
    "accepted": {"number": 1, "state": "awaiting_code", "code_sent_to": "+7 *** 12", "code_expires_at": "2030-01-01T00:00:00Z",
                 "attestation": [{"purpose": "sign", "level": "tee", "attestation_version": 4, "device_locked": True}]},
    "issued": {"number": 1, "certificates": [{"serial": "4A1B", "purpose": "auth", "certificate": "MII=", "pem": "-----BEGIN", "chain": ["MII="]}]},
    "certificates": {"iin": "123456789011", "certificates": [{"serial": "4A1B", "purpose": "sign", "algorithm": "gost512", "issuer": "NCA",
        "not_before": "2024-01-01T00:00:00Z", "not_after": "2025-01-01T00:00:00Z", "status": "valid", "days_left": 3, "replaced": False,
        "storage": "file", "certificate": "MII="}]},
    "profile": {"iin": "123456789011", "contact_email": "a@b.kz", "sms_to": "+77010000000", "notifications": {"email": True, "sms": True, "push": False}},
    "policy": {"storage": [{"storage": "file", "validity_days": 365, "check": "not-needed"}], "unconfirmed_validity_days": 30,
               "algorithms": ["gost512"], "min_rsa_bits": 2048, "attestation": "optional", "expiring_days": 30, "code_ttl_seconds": 300,
               "password": {"min_chars": 8, "max_chars": 64, "needs_uppercase": True, "needs_lowercase": True, "needs_digit": True}},
}
for name, value in bodies.items():
    put("ra_json", name, json.dumps(value).encode())

# NCALayer frames, as the portals' clients send them.
frames_ncalayer = {
    "heartbeat": "--heartbeat--",
    "version": '{"module":"kz.digiflow.mobile.extensions","method":"getVersion"}',
    "key-info": '{"module":"kz.gov.pki.knca.commonUtils","method":"getKeyInfo","args":["PKCS12"]}',
    "cades": '{"module":"kz.gov.pki.knca.commonUtils","method":"createCAdESFromBase64","args":["PKCS12","SIGNATURE","MTEK",true]}',
    "sign-xml": '{"module":"kz.gov.pki.knca.commonUtils","method":"signXml","args":["PKCS12","SIGNATURE","<a>b</a>","",""]}',
    "sign-xmls": '{"module":"kz.gov.pki.knca.commonUtils","method":"signXmls","args":["PKCS12","SIGNATURE",["<a/>"],"",""]}',
    "basics": '{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"allowedStorages":["PKCS12"],"format":"cms","data":"MTEK","signingParams":{"decode":true,"encapsulate":true},"signerParams":{"extKeyUsageOids":["1.3.6.1.5.5.7.3.4"]},"locale":"ru"}}',
    "locale": '{"module":"kz.gov.pki.knca.commonUtils","method":"changeLocale","args":["kk"]}',
}
for name, text in frames_ncalayer.items():
    put("ncalayer_frame", name, text.encode())
EOF
echo "seeded $(find "$corpus" -type f | wc -l) files ($(du -sh "$corpus" | cut -f1)) in $corpus"
