//! A real `qoltanba-ra` on loopback for the API tests: `init` in a temporary
//! home, `serve` over HTTPS on a free port, and a client that trusts only the
//! server's own root. The server stops when the test process's end closes
//! its standard input.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin};
use std::sync::{Arc, Mutex};

use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::SoftwareKey;
use qoltanba_pki::keyfile::{KeyFile, Password};
use serde_json::Value;

#[allow(unused_imports)] // not every test file of this crate uses each helper
pub use qoltanba_testkit::ra_process::OPERATOR_PASSPHRASE as PASSPHRASE;
pub const CITIZEN_PASSWORD: &str = "Citiz3nPass";

pub struct Server {
    pub dir: tempfile::TempDir,
    pub base: String,
    agent: ureq::Agent,
    child: Mutex<Child>,
    // Held open: closing it stops the server.
    _stdin: Mutex<ChildStdin>,
    // Last: the database (PostgreSQL under QOLTANBA_TEST_DATABASE)
    // outlives the server.
    _database: qoltanba_testkit::ra_process::TestDatabase,
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_qoltanba-ra"))
}

/// Run `qoltanba-ra args…` to completion; stdout on success, panic otherwise.
pub fn ra(args: &[&str]) -> String {
    qoltanba_testkit::ra_process::run(&bin(), args)
}

impl Server {
    /// Init and serve; `tune` may edit config.toml before serving.
    pub fn start(tune: impl FnOnce(&mut String)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let pass = dir.path().join("passphrase");
        std::fs::write(&pass, PASSPHRASE).unwrap();
        let home = dir.path().join("home");
        let database = qoltanba_testkit::ra_process::init(&bin(), &home, &pass);
        let config_path = home.join("config.toml");
        let mut config = std::fs::read_to_string(&config_path).unwrap();
        tune(&mut config);
        std::fs::write(&config_path, config).unwrap();

        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let (mut child, base) =
            qoltanba_testkit::ra_process::serve(&bin(), &home, &pass, |serve| {
                // Everything the server logs, at its most talkative, goes to a
                // file the tests scan for secrets.
                serve.env("QOLTANBA_RA_LOG", "debug").stderr(log);
            });
        let stdin = child.stdin.take().unwrap();
        let root = std::fs::read(home.join("tls/ca.pem")).unwrap();
        let (_, root_der) = der::pem::decode_vec(&root).unwrap();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![
                ureq::tls::Certificate::from_der(&root_der).to_owned(),
            ])))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .build()
            .new_agent();
        Server {
            dir,
            base,
            agent,
            child: Mutex::new(child),
            _stdin: Mutex::new(stdin),
            _database: database,
        }
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn passphrase_file(&self) -> PathBuf {
        self.dir.path().join("passphrase")
    }

    /// Enroll a citizen; returns the key files written.
    pub fn enroll(&self, iin: &str, algorithm: &str, extra: &[&str]) -> Vec<PathBuf> {
        let out = self.dir.path().join(format!("keys-{iin}-{algorithm}"));
        let password = self.dir.path().join("citizen.pw");
        std::fs::write(&password, CITIZEN_PASSWORD).unwrap();
        let home = self.home();
        let pass = self.passphrase_file();
        let mut args = vec![
            "enroll",
            "--dir",
            home.to_str().unwrap(),
            "--iin",
            iin,
            "--surname",
            "ТЕСТОВ",
            "--name",
            "ТЕСТ",
            "--patronymic",
            "ТЕСТОВИЧ",
            "--phone",
            "+77011234567",
            "--email",
            "testov@example.kz",
            "--algorithm",
            algorithm,
            "--password-file",
            password.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ];
        args.extend(extra);
        let printed: Value = serde_json::from_str(&ra(&args)).unwrap();
        printed["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| PathBuf::from(k["file"].as_str().unwrap()))
            .collect()
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let url = format!("{}{path}", self.base);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let request = builder
            .body(body.map(<[u8]>::to_vec).unwrap_or_default())
            .unwrap();
        let mut response = self.agent.run(request).unwrap_or_else(|e| {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            panic!(
                "{method} {path}: {e}; the server's log ends:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            )
        });
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(10 << 20)
            .read_to_vec()
            .unwrap();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        check_contract(method, path, status, &content_type, &body);
        (status, headers, body)
    }

    pub fn json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
        let (status, _, body) = self.request(
            method,
            path,
            token,
            &[("content-type", "application/json")],
            bytes.as_deref(),
        );
        let value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).unwrap_or_else(|_| {
                panic!(
                    "not JSON from {method} {path}: {}",
                    String::from_utf8_lossy(&body)
                )
            })
        };
        (status, value)
    }

    /// The server's database (SQLite or PostgreSQL, as its home says), to
    /// read or arrange what a test needs.
    pub fn db(&self) -> qoltanba_ra::db::Db {
        qoltanba_testkit::ra_process::db(&self.home())
    }

    /// The latest one-time code the outbox holds for SMS.
    pub fn last_code(&self) -> String {
        let body: String = self
            .db()
            .conn()
            .query_row(
                "SELECT body FROM outbox WHERE channel = 'sms' ORDER BY id DESC LIMIT 1",
                qoltanba_ra::params![],
                |r| r.get(0),
            )
            .unwrap();
        body.split(|c: char| !c.is_ascii_digit())
            .rfind(|w| w.len() == 6)
            .unwrap_or_else(|| panic!("no code in {body:?}"))
            .to_string()
    }

    /// Log in with `key` and `cert`: a challenge, signed and posted; the
    /// session token.
    pub fn login(&self, key: &SoftwareKey, cert: &KzCertificate) -> String {
        let (status, challenge) = self.json("POST", "/v1/auth/challenge", None, None);
        assert_eq!(status, 201, "{challenge}");
        let nonce = challenge["nonce"].as_str().unwrap();
        let signed = qoltanba_pki::signed_message::sign_message(
            nonce.as_bytes(),
            key,
            cert,
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
        let (status, _, body) = self.request(
            "POST",
            "/v1/auth/login",
            None,
            &[("content-type", "application/cms")],
            Some(&signed),
        );
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap();
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A key file's key and certificate.
pub fn open_key(path: &Path) -> (SoftwareKey, KzCertificate) {
    let file = KeyFile::open(path, &Password::new(CITIZEN_PASSWORD)).unwrap();
    let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8()).unwrap();
    let cert = KzCertificate::from_der(file.certificate_der().unwrap()).unwrap();
    (key, cert)
}

#[allow(unused_imports)] // not every test file of this crate uses each helper
pub use qoltanba_testkit::citizen::iin;

/// The repository's OpenAPI document.
fn openapi() -> &'static Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(qoltanba_testkit::openapi::document)
}

/// Every response the tests see must be one the OpenAPI document declares
/// for that path, method and status, and a JSON body must match its schema.
pub fn check_contract(method: &str, path: &str, status: u16, content_type: &str, body: &[u8]) {
    let doc = openapi();
    let path = path.split('?').next().unwrap();
    let segments: Vec<&str> = path.split('/').collect();
    let Some((template, item)) = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(template, _)| {
            let t: Vec<&str> = template.split('/').collect();
            t.len() == segments.len()
                && t.iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
        })
    else {
        // Unknown paths must answer 404 (the fallback problem).
        assert_eq!(status, 404, "{method} {path} is not in openapi.json");
        return;
    };
    let Some(operation) = item.get(method.to_ascii_lowercase()) else {
        assert!(
            status == 405,
            "{method} {template} is not in openapi.json (got {status})"
        );
        return;
    };
    let response = operation["responses"]
        .get(status.to_string())
        .unwrap_or_else(|| panic!("openapi.json declares no {status} for {method} {template}"));
    let media = content_type.split(';').next().unwrap().trim();
    if let Some(content) = response.get("content") {
        let declared = content.get(media).unwrap_or_else(|| {
            panic!("{method} {template} {status}: content type {media} is not declared")
        });
        if media.ends_with("json") {
            let value: Value = serde_json::from_slice(body).unwrap();
            validate_schema(
                doc,
                &declared["schema"],
                &value,
                &format!("{method} {template} {status}"),
            );
        }
    }
}

fn validate_schema(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let found = qoltanba_testkit::openapi::violations(doc, schema, value, at);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Run the real openssl binary in `dir`: whether it succeeded, and stdout
/// then stderr. A missing binary fails the test: openssl is the independent
/// peer these tests exist for.
pub fn run_openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = qoltanba_testkit::openssl::run(dir, args);
    (out.status.success(), qoltanba_testkit::openssl::text(&out))
}

/// Run openssl in `dir`; it must succeed.
pub fn openssl(dir: &Path, args: &[&str]) -> String {
    qoltanba_testkit::openssl::text(&qoltanba_testkit::openssl::ok(dir, args))
}
