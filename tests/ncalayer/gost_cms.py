#!/usr/bin/env python3
"""Check a GOST 2015-512 CMS signature with the independent GOST peer
(testkit/peers/gost_peer.py, on gostcrypto): the signed attributes'
signature under the signer certificate's key, and the messageDigest
attribute against the Streebog-512 of the content (the attached one, or
CONTENT_FILE for a detached signature). A small DER reader; nothing of
qoltanba's.

  gost_cms.py CMS_DER_FILE [CONTENT_FILE]   -> exit 0 valid, 1 invalid
"""
import os
import subprocess
import sys
import tempfile

PEER = os.path.join(os.path.dirname(__file__), "..", "..", "testkit", "peers", "gost_peer.py")
MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")  # OID 1.2.840.113549.1.9.4


def tlv(data, pos):
    """(tag, header length, content start, end) of the TLV at pos."""
    tag = data[pos]
    length = data[pos + 1]
    start = pos + 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(data[start:start + n], "big")
        start += n
    return tag, start, start + length


def children(data, start, end):
    out = []
    pos = start
    while pos < end:
        tag, s, e = tlv(data, pos)
        out.append((tag, pos, s, e))
        pos = e
    return out


def peer(*args):
    return subprocess.run([sys.executable, PEER, *args], capture_output=True, text=True)


def main(argv):
    cms = open(argv[1], "rb").read()
    _, s, e = tlv(cms, 0)                      # ContentInfo
    _, explicit = children(cms, s, e)
    _, s, e = tlv(cms, explicit[2])            # [0] -> SignedData
    parts = children(cms, s, e)
    encap = parts[2]
    certs = next(p for p in parts if p[0] == 0xA0)
    signer_infos = parts[-1]
    content = None
    encap_parts = children(cms, encap[2], encap[3])
    if len(encap_parts) > 1:  # [0] EXPLICIT OCTET STRING: the attached content
        _, cs, ce = tlv(cms, encap_parts[1][2])
        content = cms[cs:ce]
    if len(argv) > 2:
        content = open(argv[2], "rb").read()
    # The signer certificate (the first): tbs -> subjectPublicKeyInfo.
    cert = children(cms, certs[2], certs[3])[0]
    tbs = children(cms, cert[2], cert[3])[0]
    tbs_parts = children(cms, tbs[2], tbs[3])
    spki = tbs_parts[6] if tbs_parts[0][0] == 0xA0 else tbs_parts[5]
    bit_string = children(cms, spki[2], spki[3])[1]
    _, ks, ke = tlv(cms, bit_string[2] + 1)   # the OCTET STRING inside, after the unused-bits byte
    public = cms[ks:ke].hex()
    signer = children(cms, signer_infos[2], signer_infos[3])[0]
    fields = children(cms, signer[2], signer[3])
    attrs = next(f for f in fields if f[0] == 0xA0)
    signature = next(f for f in fields if f[0] == 0x04)
    attrs_der = b"\x31" + cms[attrs[1] + 1:attrs[3]]
    sig = cms[signature[2]:signature[3]].hex()
    with tempfile.TemporaryDirectory() as d:
        attrs_file = os.path.join(d, "attrs.der")
        open(attrs_file, "wb").write(attrs_der)
        verified = peer("verify", public, sig, attrs_file)
        if verified.returncode != 0:
            print("the GOST peer refuses the signature", verified.stdout, verified.stderr, file=sys.stderr)
            return 1
        if content is not None:
            content_file = os.path.join(d, "content")
            open(content_file, "wb").write(content)
            digest = peer("digest", content_file).stdout.strip()
            at = attrs_der.find(MESSAGE_DIGEST)
            if at < 0 or bytes.fromhex(digest) not in attrs_der[at:]:
                print("messageDigest is not the Streebog-512 of the content", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
