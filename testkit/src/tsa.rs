//! A real RFC 3161 time-stamp authority on loopback: `openssl ts -reply`
//! behind `peers/tsa_peer.py` (Python's http.server), with its own CA and a
//! TSA certificate (critical extended key usage timeStamping) made with the
//! openssl binary in the test's folder. The URL's path picks a behaviour
//! (`ok`, `wrong-nonce`, `wrong-imprint`, `reject`, `garbage`, `http-500`;
//! the script's docstring says what each does) so the tests see every wrong
//! answer a TSA can give.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::openssl;
use crate::pki::{CaKey, make_ca};

/// The driver script.
pub fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers/tsa_peer.py")
}

/// A running test TSA; stopped when dropped.
pub struct TestTsa {
    dir: PathBuf,
    port: u16,
    child: Child,
}

impl TestTsa {
    /// Make the TSA's CA and certificate in `dir/tsa` and start serving on
    /// a free loopback port.
    pub fn start(dir: &Path) -> TestTsa {
        let dir = dir.join("tsa");
        std::fs::create_dir_all(&dir).expect("the TSA folder can be made");
        make_ca(&dir, CaKey::P256, "/C=KZ/CN=TEST TSA ROOT", 30);
        openssl::ok(
            &dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "tsa.key",
            ],
        );
        std::fs::write(
            dir.join("tsa.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\n",
        )
        .expect("the extensions file can be written");
        openssl::ok(
            &dir,
            &[
                "req",
                "-new",
                "-key",
                "tsa.key",
                "-subj",
                "/C=KZ/CN=TEST TSA",
                "-out",
                "tsa.csr",
            ],
        );
        openssl::ok(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                "tsa.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-days",
                "10",
                "-set_serial",
                "77",
                "-extfile",
                "tsa.ext",
                "-out",
                "tsa.pem",
            ],
        );
        std::fs::write(dir.join("serial"), "01\n").expect("the serial file can be written");
        let d = dir.display();
        let section = |name: &str, digests: &str| {
            format!(
                "[ {name} ]\nserial = {d}/serial\ncrypto_device = builtin\n\
                 signer_cert = {d}/tsa.pem\nsigner_key = {d}/tsa.key\nsigner_digest = sha256\n\
                 default_policy = 1.2.3.4.1\ndigests = {digests}\n\
                 accuracy = secs:1, millisecs:500\nordering = yes\ntsa_name = yes\n\
                 ess_cert_id_chain = no\ness_cert_id_alg = sha256\n\n"
            )
        };
        std::fs::write(
            dir.join("tsa.cnf"),
            section("tsa_ok", "sha256, sha512") + &section("tsa_reject", "sha384"),
        )
        .expect("the TSA configuration can be written");

        let mut child = Command::new("python3")
            .arg(script())
            .arg(dir.join("tsa.cnf"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the TSA peer");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("the peer's stdout is piped"))
            .read_line(&mut line)
            .expect("the TSA peer prints its port");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the TSA peer printed {line:?}, not a port"));
        TestTsa { dir, port, child }
    }

    /// The URL for behaviour `mode`.
    pub fn url(&self, mode: &str) -> String {
        format!("http://127.0.0.1:{}/{mode}", self.port)
    }

    /// The TSA's root (PEM), for `openssl ts -verify -CAfile`.
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The TSA's own certificate (PEM).
    pub fn cert_pem(&self) -> PathBuf {
        self.dir.join("tsa.pem")
    }

    /// POST `query` (a DER TimeStampReq) to behaviour `mode` the plain
    /// way (HTTP/1.0 over a TCP stream, for tests below the HTTP client):
    /// the HTTP status and the body.
    pub fn post(&self, mode: &str, query: &[u8]) -> (u16, Vec<u8>) {
        let mut stream =
            TcpStream::connect(("127.0.0.1", self.port)).expect("the TSA peer accepts");
        write!(
            stream,
            "POST /{mode} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/timestamp-query\r\nContent-Length: {}\r\n\r\n",
            query.len()
        )
        .expect("the request is sent");
        stream.write_all(query).expect("the query is sent");
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .expect("the TSA peer answers");
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("the answer has headers");
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("the answer has a status");
        (status, answer[split + 4..].to_vec())
    }
}

impl Drop for TestTsa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
