//! E-mail notices through a real SMTP server on loopback: Debian's
//! python3-aiosmtpd (`apt-get install -y python3-aiosmtpd`), driven by a
//! small script that saves each message, decoded by Python's own e-mail
//! parser, as JSON. Without aiosmtpd the test says SKIPPED, unless
//! QOLTANBA_REQUIRE_PEERS is set, which makes the absence a failure.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

#[path = "notify_fakes.rs"]
mod fakes;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use fakes::{DAY, END, at, certificate, citizen, database};
use qoltanba_ra::config::{Notices, Senders as SendersConfig, SmtpConfig, SmtpSecurity};
use qoltanba_ra::notify::NotifyError;
use qoltanba_ra::notify::{self, Senders};
use qoltanba_testkit::http_fake::TestCa;

const PYTHON: &str = "/usr/bin/python3";

/// Accepts mail for anyone except local parts starting with "reject",
/// which get 550 at RCPT; writes each message as NNNN.json into argv[1].
/// argv[3] is the mode: `plain`, `starttls` (STARTTLS and AUTH required)
/// or `tls` (implicit TLS, AUTH required), with the certificate and key
/// in argv[4], argv[5]; the only login is qoltanba-ra / argv[6].
const SERVER: &str = r#"
import email, email.policy, json, os, ssl, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

out, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"qoltanba-ra"
          and auth_data.password == sys.argv[6].encode())
    if not ok:
        return AuthResult(success=False, handled=False)
    return AuthResult(success=True, auth_data=auth_data.login.decode())

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("reject"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        saved = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "subject": str(msg["subject"]),
            "content_type": msg.get_content_type(),
            "body": msg.get_content(),
            # STARTTLS sets session.ssl; implicit TLS shows on the transport.
            "tls": session.ssl is not None
                   or server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
            "login": session.auth_data,
        }
        n = len([f for f in os.listdir(out) if f.endswith(".json")])
        tmp = os.path.join(out, "%04d.tmp" % n)
        with open(tmp, "w") as f:
            json.dump(saved, f)
        os.rename(tmp, os.path.join(out, "%04d.json" % n))
        return "250 OK saved"

if mode == "plain":
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
else:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[4], sys.argv[5])
    if mode == "starttls":
        controller = Controller(Handler(), hostname="127.0.0.1", port=port,
                                tls_context=context, require_starttls=True,
                                authenticator=authenticator, auth_required=True)
    else:
        controller = Controller(Handler(), hostname="127.0.0.1", port=port,
                                ssl_context=context, auth_require_tls=False,
                                authenticator=authenticator, auth_required=True)
controller.start()
print("READY", flush=True)
sys.stdin.read()
controller.stop()
"#;

/// The SMTP server process; killed when dropped.
struct SmtpPeer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for SmtpPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpPeer {
    /// The received messages, oldest first.
    fn messages(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
            .collect()
    }
}

/// Start aiosmtpd, or explain how to get it (None = skip this test).
fn smtp_peer(dir: &Path) -> Option<SmtpPeer> {
    smtp_peer_with(dir, &["plain"])
}

/// The password of the TLS peers' only login.
const PASSWORD: &str = "correct horse battery staple";

/// aiosmtpd with TLS (`starttls` or `tls`) and AUTH required, presenting a
/// certificate of `ca`.
fn tls_peer(dir: &Path, mode: &str, ca: &TestCa) -> Option<SmtpPeer> {
    let (cert, key) = (dir.join("smtp-cert.pem"), dir.join("smtp-key.pem"));
    std::fs::write(&cert, &ca.server_cert_pem).unwrap();
    std::fs::write(&key, &ca.server_key_pem).unwrap();
    smtp_peer_with(
        dir,
        &[
            mode,
            cert.to_str().unwrap(),
            key.to_str().unwrap(),
            PASSWORD,
        ],
    )
}

fn smtp_peer_with(dir: &Path, args: &[&str]) -> Option<SmtpPeer> {
    let present = Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !present {
        let why = "python3-aiosmtpd is not installed; install it with \
                   `apt-get install -y python3-aiosmtpd`";
        if std::env::var_os("QOLTANBA_REQUIRE_PEERS").is_some() {
            panic!("{why} (QOLTANBA_REQUIRE_PEERS is set)");
        }
        println!("SKIPPED: {why}");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mails = dir.join(format!("mails-{}", args[0]));
    std::fs::create_dir(&mails).unwrap();
    let mut child = Command::new(PYTHON)
        .args(["-c", SERVER])
        .arg(&mails)
        .arg(port.to_string())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "READY", "aiosmtpd did not start");
    Some(SmtpPeer {
        child,
        port,
        dir: mails,
    })
}

#[tokio::test]
async fn email_notices_reach_a_real_smtp_server_once() {
    let (dir, db) = database();
    let Some(peer) = smtp_peer(dir.path()) else {
        return;
    };
    citizen(&db, "900101300001", Some("aigul@mail.kz"), None);
    citizen(&db, "900101300003", Some("reject-me@mail.kz"), None);
    certificate(&db, 1, "900101300001", END, "valid");
    certificate(&db, 3, "900101300003", END, "valid");
    let config = SendersConfig {
        email: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port: peer.port,
            from: "qoltanba <noreply@qoltanba.kz>".into(),
            security: SmtpSecurity::None,
            username: None,
            password_file: None,
            ca_file: None,
        }),
        ..SendersConfig::default()
    };
    let senders = Senders::from_config(&config, db.clone()).unwrap();
    // Push would go to the outbox; there are no devices, so only e-mail.
    let notices = Notices {
        push_days: vec![],
        ..Notices::default()
    };

    let report = notify::run_once(&db, &notices, &senders, at(END - 30 * DAY))
        .await
        .unwrap();
    // The relay refused one recipient (550): not recorded, tried next run.
    assert_eq!((report.sent, report.failed), (1, 1), "{report:?}");
    let mails = peer.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail["mail_from"], "noreply@qoltanba.kz");
    assert_eq!(mail["rcpt_tos"], serde_json::json!(["aigul@mail.kz"]));
    assert_eq!(mail["to"], "aigul@mail.kz");
    assert_eq!(mail["content_type"], "text/plain");
    let subject = mail["subject"].as_str().unwrap();
    assert!(subject.contains("01.01.2030 05:00"), "{subject}");
    let body = mail["body"].as_str().unwrap();
    assert!(body.contains("5E0001") && body.contains("30 күн"), "{body}");
    assert!(
        body.contains("осталось 30 дней") && body.contains("qoltanba"),
        "{body}"
    );
    // The link that opens the renewal of this certificate (without a known
    // public URL, the apps' own scheme), in each language's part.
    assert_eq!(
        body.matches("qoltanba://renew?serial=5E0001").count(),
        2,
        "{body}"
    );

    // Again at the same instant: the refused one is tried, nothing resent.
    let report = notify::run_once(&db, &notices, &senders, at(END - 30 * DAY + 60))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
    assert_eq!(peer.messages().len(), 1);

    // The next offset.
    let report = notify::run_once(&db, &notices, &senders, at(END - 14 * DAY))
        .await
        .unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let mails = peer.messages();
    assert_eq!(mails.len(), 2);
    assert!(mails[1]["body"].as_str().unwrap().contains("14 күн"));
    // Nothing went to the outbox.
    assert!(notify::outbox(&db, 10).unwrap().is_empty());
}

#[tokio::test]
async fn email_goes_over_starttls_or_tls_with_a_login() {
    let (dir, db) = database();
    let ca = TestCa::new().unwrap();
    let ca_file = dir.path().join("ca.pem");
    ca.write_ca(&ca_file).unwrap();
    let password_file = dir.path().join("smtp-password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let wrong_file = dir.path().join("wrong-password");
    std::fs::write(&wrong_file, "not-the-password-at-all\n").unwrap();
    citizen(&db, "900101300001", Some("aigul@mail.kz"), None);
    certificate(&db, 1, "900101300001", END, "valid");
    let notices = Notices {
        push_days: vec![],
        // As loaded with `public_url`: the link is the RA's renewal page.
        public_url: "https://ra.example.kz".into(),
        ..Notices::default()
    };
    let mut offsets = [30, 14].into_iter();
    for (mode, security) in [
        ("starttls", SmtpSecurity::Starttls),
        ("tls", SmtpSecurity::Tls),
    ] {
        let Some(peer) = tls_peer(dir.path(), mode, &ca) else {
            return;
        };
        let smtp = SmtpConfig {
            host: "127.0.0.1".into(),
            port: peer.port,
            from: "qoltanba <noreply@qoltanba.kz>".into(),
            security,
            username: Some("qoltanba-ra".into()),
            password_file: Some(password_file.display().to_string()),
            ca_file: Some(ca_file.display().to_string()),
        };
        let config = SendersConfig {
            email: Some(smtp.clone()),
            ..SendersConfig::default()
        };
        let senders = Senders::from_config(&config, db.clone()).unwrap();
        assert!(senders.check_email().await.unwrap(), "{mode}");
        // The operator's check: `qoltanba-ra check-senders`, good and bad.
        let (out, code) = check_senders(dir.path(), &config);
        assert_eq!(code, Some(0), "{out}");
        assert!(out.contains("email: ok, the SMTP relay accepted"), "{out}");
        let wrong_login = SendersConfig {
            email: Some(SmtpConfig {
                password_file: Some(wrong_file.display().to_string()),
                ..smtp.clone()
            }),
            ..SendersConfig::default()
        };
        let (out, code) = check_senders(dir.path(), &wrong_login);
        assert_eq!(code, Some(1), "{out}");
        assert!(
            out.contains("email: FAILED, the SMTP relay did not take"),
            "{out}"
        );
        assert!(!out.contains("not-the-password"), "{out}");
        let days = offsets.next().unwrap();
        let report = notify::run_once(&db, &notices, &senders, at(END - days * DAY))
            .await
            .unwrap();
        assert_eq!((report.sent, report.failed), (1, 0), "{mode}: {report:?}");
        let mails = peer.messages();
        assert_eq!(mails.len(), 1, "{mode}: {mails:?}");
        assert_eq!(mails[0]["tls"], true, "{mode}");
        assert_eq!(mails[0]["authenticated"], true, "{mode}");
        assert_eq!(mails[0]["login"], "qoltanba-ra", "{mode}");
        assert_eq!(mails[0]["rcpt_tos"], serde_json::json!(["aigul@mail.kz"]));
        let body = mails[0]["body"].as_str().unwrap();
        // The link that opens the renewal of this certificate (GET on it
        // answers the page: tests/api.rs), once per language.
        assert_eq!(
            body.matches("https://ra.example.kz/renew/5E0001").count(),
            2,
            "{body}"
        );

        // A wrong password: a typed, one-line error without the password.
        let wrong = SendersConfig {
            email: Some(SmtpConfig {
                password_file: Some(wrong_file.display().to_string()),
                ..smtp.clone()
            }),
            ..SendersConfig::default()
        };
        let err = Senders::from_config(&wrong, db.clone())
            .unwrap()
            .check_email()
            .await
            .unwrap_err();
        assert!(matches!(err, NotifyError::Send { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("535") || text.contains("uthentication"),
            "{text}"
        );
        assert!(
            !text.contains('\n') && !text.contains("not-the-password"),
            "{text}"
        );

        // The relay's certificate from a CA not trusted: refused.
        let untrusted = SendersConfig {
            email: Some(SmtpConfig {
                ca_file: None,
                ..smtp.clone()
            }),
            ..SendersConfig::default()
        };
        let err = Senders::from_config(&untrusted, db.clone())
            .unwrap()
            .check_email()
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, NotifyError::Send { .. }), "{text}");
        assert!(text.to_lowercase().contains("certificate"), "{text}");
        assert!(!text.contains('\n') && !text.contains(PASSWORD), "{text}");
        assert_eq!(peer.messages().len(), 1, "nothing more was sent");
    }

    // A login over plain SMTP, or half a login, is refused at start.
    let plain = SmtpConfig {
        host: "127.0.0.1".into(),
        port: 25,
        from: "noreply@qoltanba.kz".into(),
        security: SmtpSecurity::None,
        username: Some("qoltanba-ra".into()),
        password_file: Some(password_file.display().to_string()),
        ca_file: None,
    };
    let refused = |smtp: SmtpConfig| {
        let config = SendersConfig {
            email: Some(smtp),
            ..SendersConfig::default()
        };
        Senders::from_config(&config, db.clone()).unwrap_err()
    };
    let err = refused(plain.clone());
    assert!(
        matches!(
            err,
            NotifyError::Config {
                what: "email.security",
                ..
            }
        ),
        "{err}"
    );
    let err = refused(SmtpConfig {
        security: SmtpSecurity::Starttls,
        password_file: None,
        ..plain.clone()
    });
    assert!(
        matches!(
            err,
            NotifyError::Config {
                what: "email.username",
                ..
            }
        ),
        "{err}"
    );
    let err = refused(SmtpConfig {
        security: SmtpSecurity::Starttls,
        password_file: Some(dir.path().join("missing").display().to_string()),
        ..plain.clone()
    });
    assert!(
        matches!(
            err,
            NotifyError::Config {
                what: "email.password_file",
                ..
            }
        ),
        "{err}"
    );
}

/// Run `qoltanba-ra check-senders` on a home whose config.toml holds
/// `senders`: its standard output and error, and its exit code.
fn check_senders(dir: &Path, senders: &SendersConfig) -> (String, Option<i32>) {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut config = qoltanba_ra::config::Config::new("127.0.0.1:8443".parse().unwrap(), true);
    config.senders = senders.clone();
    std::fs::write(home.join("config.toml"), config.to_toml()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_qoltanba-ra"))
        .args(["check-senders", "--dir"])
        .arg(&home)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (text, out.status.code())
}
