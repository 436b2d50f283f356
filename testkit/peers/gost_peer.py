#!/usr/bin/env python3
"""An independent GOST R 34.10-2012 (512-bit, TC26 paramSetA) peer for
qoltanba's interop tests, built on the PyPI package `gostcrypto`.

Every value crosses this interface in the Kazakh byte order qoltanba uses
(little-endian integers: public key x || y, signature r || s, private scalar,
digest read little-endian); gostcrypto works big-endian, so each value is
byte-reversed here, once.

  gost_peer.py public  PRIVATE_LE_HEX           -> prints the public key (LE hex)
  gost_peer.py sign    MESSAGE_FILE             -> prints JSON {public, signature}
                                                   made with a fresh random key
  gost_peer.py verify  PUBLIC_LE_HEX SIG_LE_HEX MESSAGE_FILE
                                                -> exit 0 valid, 1 invalid
  gost_peer.py digest  MESSAGE_FILE             -> prints Streebog-512 of the
                                                   file (hex, the hash's byte
                                                   string, as NCA's XML
                                                   DigestValue carries it)
"""
import json
import os
import sys

import gostcrypto

SIZE = 64
CURVE = gostcrypto.gostsignature.CURVES_R_1323565_1_024_2019[
    "id-tc26-gost-3410-12-512-paramSetA"
]


def signer():
    return gostcrypto.gostsignature.new(gostcrypto.gostsignature.MODE_512, CURVE)


def halves_reversed(data: bytes) -> bytearray:
    """x || y (or r || s) with each half's byte order reversed."""
    assert len(data) == 2 * SIZE, f"expected {2 * SIZE} bytes, got {len(data)}"
    return bytearray(data[:SIZE][::-1] + data[SIZE:][::-1])


def digest_be(message: bytes) -> bytearray:
    """Streebog-512 of the message, reversed so that gostcrypto's big-endian
    reading gives the integer the Kazakh profile reads little-endian."""
    h = gostcrypto.gosthash.new("streebog512", data=message)
    return bytearray(h.digest()[::-1])


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    if command == "public" and len(argv) == 3:
        private = bytearray(bytes.fromhex(argv[2])[::-1])
        print(halves_reversed(bytes(signer().public_key_generate(private))).hex())
        return 0
    if command == "sign" and len(argv) == 3:
        message = open(argv[2], "rb").read()
        q = CURVE["q"]
        while True:
            private = bytearray(os.urandom(SIZE))
            if 0 < int.from_bytes(private, "big") < q:
                break
        public = signer().public_key_generate(bytearray(private))
        signature = signer().sign(private, digest_be(message))
        print(json.dumps({
            "public": halves_reversed(bytes(public)).hex(),
            "signature": halves_reversed(bytes(signature)).hex(),
        }))
        return 0
    if command == "verify" and len(argv) == 5:
        public = halves_reversed(bytes.fromhex(argv[2]))
        signature = halves_reversed(bytes.fromhex(argv[3]))
        message = open(argv[4], "rb").read()
        ok = signer().verify(public, digest_be(message), signature)
        print("valid" if ok else "invalid")
        return 0 if ok else 1
    if command == "digest" and len(argv) == 3:
        message = open(argv[2], "rb").read()
        print(bytes(gostcrypto.gosthash.new("streebog512", data=message).digest()).hex())
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
