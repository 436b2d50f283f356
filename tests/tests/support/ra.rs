//! A real `qoltanba-ra` on loopback for end-to-end tests: a fresh home,
//! `serve` in a child process, enrolment of test citizens (key files or a
//! simulator card), and the one-time codes from its outbox.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::ra_binary;

pub const PASSPHRASE: &str = "Operat0rPass";
pub const CURRENT: &str = "Curr3ntPass";
pub const NEW: &str = "N3wPassw0rd";

pub struct Ra {
    pub dir: tempfile::TempDir,
    pub url: String,
    child: Child,
}

impl Drop for Ra {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run_ra(args: &[&str]) -> String {
    let out = Command::new(ra_binary()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "qoltanba-ra {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Ra {
    pub fn start(auto_approve: bool) -> Ra {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pass"), PASSPHRASE).unwrap();
        std::fs::write(dir.path().join("current.pw"), CURRENT).unwrap();
        std::fs::write(dir.path().join("new.pw"), NEW).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let home = dir.path().join("ra");
        let pass = dir.path().join("pass");
        run_ra(&[
            "init",
            "--dir",
            home.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ]);
        if !auto_approve {
            let config = home.join("config.toml");
            let text = std::fs::read_to_string(&config)
                .unwrap()
                .replace("auto_approve = true", "auto_approve = false");
            std::fs::write(config, text).unwrap();
        }
        let (child, url) = serve(ra_binary(), &home, &pass);
        Ra { dir, url, child }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `qoltanba --json renew` against this RA, with the device database `db`.
    pub fn renew_command(&self, db: &Path) -> assert_cmd::Command {
        let mut cmd = super::qoltanba();
        cmd.env("QOLTANBA_DB", db)
            .args(["--json", "renew", "--server", &self.url, "--ca-cert"])
            .arg(self.path("ra/tls/ca.pem"));
        cmd
    }

    /// Enrol a citizen; the key files.
    pub fn enroll(&self, seq: u32, algorithm: &str) -> Vec<PathBuf> {
        let iin = iin(seq);
        let out = self.path(&format!("keys-{seq}"));
        let printed = run_ra(&[
            "enroll",
            "--dir",
            self.path("ra").to_str().unwrap(),
            "--iin",
            &iin,
            "--surname",
            "ТЕСТОВ",
            "--name",
            "ТЕСТ",
            "--phone",
            "+77011234567",
            "--email",
            "t@example.kz",
            "--algorithm",
            algorithm,
            "--password-file",
            self.path("current.pw").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--passphrase-file",
            self.path("pass").to_str().unwrap(),
        ]);
        let v: serde_json::Value = serde_json::from_str(&printed).unwrap();
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| PathBuf::from(k["file"].as_str().unwrap()))
            .collect()
    }

    /// Personalise the simulator card in `card` for citizen `seq` through
    /// `qoltanba-ra enroll --card-simulator`; the printed JSON.
    pub fn enroll_card(
        &self,
        seq: u32,
        card: &std::path::Path,
        can_file: Option<&std::path::Path>,
        pin_file: &std::path::Path,
        algorithm: &str,
    ) -> serde_json::Value {
        let iin = iin(seq);
        let out = self.path(&format!("card-certs-{seq}"));
        let mut args = vec![
            "enroll".to_string(),
            "--dir".into(),
            self.path("ra").to_str().unwrap().into(),
            "--iin".into(),
            iin,
            "--surname".into(),
            "ТЕСТОВ".into(),
            "--name".into(),
            "ТЕСТ".into(),
            "--phone".into(),
            "+77011234567".into(),
            "--email".into(),
            "t@example.kz".into(),
            "--algorithm".into(),
            algorithm.into(),
            "--out".into(),
            out.to_str().unwrap().into(),
            "--passphrase-file".into(),
            self.path("pass").to_str().unwrap().into(),
            "--card-simulator".into(),
            card.to_str().unwrap().into(),
            "--card-pin-file".into(),
            pin_file.to_str().unwrap().into(),
        ];
        if let Some(can) = can_file {
            args.push("--can-file".into());
            args.push(can.to_str().unwrap().into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        serde_json::from_str(&run_ra(&args)).unwrap()
    }

    pub fn code(&self, number: i64) -> String {
        code_in(&self.path("ra"), number)
    }

    /// The numbers of citizen `iin`'s applications, oldest first.
    pub fn applications_of(&self, iin: &str) -> Vec<i64> {
        let conn = rusqlite::Connection::open(self.path("ra/ra.db")).unwrap();
        let mut stmt = conn
            .prepare("SELECT id FROM applications WHERE iin = ?1 ORDER BY id")
            .unwrap();
        stmt.query_map([iin], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    pub fn applications(&self) -> i64 {
        let conn = rusqlite::Connection::open(self.path("ra/ra.db")).unwrap();
        conn.query_row("SELECT COUNT(*) FROM applications", [], |r| r.get(0))
            .unwrap()
    }
}

/// A valid test IIN for citizen number `seq`.
pub fn iin(seq: u32) -> String {
    (0..)
        .find_map(|k: u32| {
            qoltanba_pki::cert::with_control_digit(&format!(
                "9001013{:04}",
                (seq + k * 7919) % 10_000
            ))
        })
        .unwrap()
}

/// `qoltanba-ra serve` (the binary `ra`) on `home`, stopping when this
/// process ends (it watches its stdin); the child and its base URL.
pub fn serve(ra: &Path, home: &Path, pass: &Path) -> (Child, String) {
    let mut child = Command::new(ra)
        .args(["serve", "--stop-on-stdin-eof", "--dir"])
        .arg(home)
        .arg("--passphrase-file")
        .arg(pass)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("the RA did not start: {line}"))
        .to_string();
    (child, url)
}

/// The one-time code the outbox of the RA home `home` holds for application `number`.
pub fn code_in(home: &Path, number: i64) -> String {
    let conn = rusqlite::Connection::open(home.join("ra.db")).unwrap();
    let body: String = conn
        .query_row(
            "SELECT body FROM outbox WHERE channel = 'sms' AND body LIKE ?1 ORDER BY id DESC LIMIT 1",
            [format!("qoltanba: application {number},%")],
            |r| r.get(0),
        )
        .unwrap();
    body.rsplit(' ').next().unwrap().to_string()
}
