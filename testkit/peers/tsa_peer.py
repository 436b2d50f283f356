#!/usr/bin/env python3
"""A real RFC 3161 time-stamp authority for qoltanba's tests: `openssl ts
-reply` behind a tiny loopback HTTP server (RFC 3161 3.4: POST
application/timestamp-query, answer application/timestamp-reply).

  tsa_peer.py CONFIG_FILE   -> prints the port it listens on (127.0.0.1),
                               then serves until killed

The path of the POST picks how the TSA behaves, so a test can check that
every wrong answer is refused. Each answer but `garbage` is a real one made
by openssl from the query (altered first where the mode says so):

  /ok             the query as sent
  /wrong-nonce    the nonce's last byte flipped before openssl answers
  /wrong-imprint  the imprint's last byte flipped before openssl answers
  /reject         openssl's section `tsa_reject`, which accepts no digest
                  (status rejection, badAlg)
  /garbage        bytes that are not a TimeStampResp
  /http-500       HTTP 500
"""
import http.server
import os
import subprocess
import sys
import tempfile


def tlv(data, at):
    """(tag, start of value, end of value) of the DER element at `at`."""
    tag = data[at]
    length = data[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[at:at + count], "big")
        at += count
    return tag, at, at + length


def children(data, start, end):
    out = []
    while start < end:
        tag, value, after = tlv(data, start)
        out.append((tag, value, after))
        start = after
    return out


def altered(query, mode):
    """The TimeStampReq with the nonce's or the imprint's last byte flipped."""
    query = bytearray(query)
    _, start, end = tlv(query, 0)
    fields = children(query, start, end)
    if mode == "wrong-imprint":
        _, imprint_start, imprint_end = fields[1]
        _, _, hashed_end = children(query, imprint_start, imprint_end)[1]
        query[hashed_end - 1] ^= 1
    elif mode == "wrong-nonce":
        nonce = [f for f in fields[1:] if f[0] == 0x02][0]
        query[nonce[2] - 1] ^= 1
    return bytes(query)


class Handler(http.server.BaseHTTPRequestHandler):
    config = ""

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/timestamp-reply"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        mode = self.path.strip("/")
        length = int(self.headers.get("Content-Length", "0"))
        query = self.rfile.read(length)
        if mode == "garbage":
            return self.answer(200, b"\x30\x03not a time-stamp")
        if mode == "http-500":
            return self.answer(500, b"broken", "text/plain")
        if self.headers.get("Content-Type") != "application/timestamp-query":
            return self.answer(415, b"want application/timestamp-query", "text/plain")
        section = "tsa_reject" if mode == "reject" else "tsa_ok"
        with tempfile.TemporaryDirectory() as work:
            query_file = os.path.join(work, "query.tsq")
            reply_file = os.path.join(work, "reply.tsr")
            with open(query_file, "wb") as f:
                f.write(altered(query, mode))
            run = subprocess.run(
                ["openssl", "ts", "-reply", "-config", self.config, "-section", section,
                 "-queryfile", query_file, "-out", reply_file],
                capture_output=True,
            )
            if run.returncode != 0 or not os.path.exists(reply_file):
                sys.stderr.write(run.stderr.decode(errors="replace"))
                return self.answer(500, run.stderr, "text/plain")
            with open(reply_file, "rb") as f:
                return self.answer(200, f.read())


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    Handler.config = argv[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
