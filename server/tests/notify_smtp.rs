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
use qoltanba_ra::config::{Notices, Senders as SendersConfig, SmtpConfig};
use qoltanba_ra::notify::{self, Senders};

const PYTHON: &str = "/usr/bin/python3";

/// Accepts mail for anyone except local parts starting with "reject",
/// which get 550 at RCPT; writes each message as NNNN.json into argv[1].
const SERVER: &str = r#"
import email, email.policy, json, os, sys
from aiosmtpd.controller import Controller

out, port = sys.argv[1], int(sys.argv[2])

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
        }
        n = len([f for f in os.listdir(out) if f.endswith(".json")])
        tmp = os.path.join(out, "%04d.tmp" % n)
        with open(tmp, "w") as f:
            json.dump(saved, f)
        os.rename(tmp, os.path.join(out, "%04d.json" % n))
        return "250 OK saved"

controller = Controller(Handler(), hostname="127.0.0.1", port=port)
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
    let mails = dir.join("mails");
    std::fs::create_dir(&mails).unwrap();
    let mut child = Command::new(PYTHON)
        .args(["-c", SERVER])
        .arg(&mails)
        .arg(port.to_string())
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
    // The link that opens the renewal of this certificate (the default
    // `notices.renew_link`, the apps' deep link), in each language's part.
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
