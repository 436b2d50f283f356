//! A real `qoltanba-ra` on loopback for end-to-end tests: a fresh home,
//! `serve` in a child process, enrolment of test citizens (key files or a
//! simulator card), and the one-time codes from its outbox.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Child;

use super::ra_binary;

#[allow(unused_imports)] // not every test file of this crate uses each helper
pub use qoltanba_testkit::ra_process::OPERATOR_PASSPHRASE as PASSPHRASE;
pub const CURRENT: &str = "Curr3ntPass";
pub const NEW: &str = "N3wPassw0rd";

pub struct Ra {
    pub dir: tempfile::TempDir,
    pub url: String,
    child: Child,
    /// Last: the database (PostgreSQL under QOLTANBA_TEST_DATABASE)
    /// outlives the server.
    _database: qoltanba_testkit::ra_process::TestDatabase,
}

impl Drop for Ra {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run_ra(args: &[&str]) -> String {
    qoltanba_testkit::ra_process::run(ra_binary(), args)
}

impl Ra {
    pub fn start(auto_approve: bool) -> Ra {
        Ra::start_with(auto_approve, |config| config)
    }

    /// [`Ra::start`] with the home's config.toml changed by `edit` first.
    pub fn start_with(auto_approve: bool, edit: impl FnOnce(String) -> String) -> Ra {
        Ra::start_on(
            qoltanba_testkit::ra_process::TestDatabase::from_env(),
            auto_approve,
            edit,
        )
    }

    /// [`Ra::start_with`] on `database` rather than the one
    /// QOLTANBA_TEST_DATABASE picks.
    pub fn start_on(
        database: qoltanba_testkit::ra_process::TestDatabase,
        auto_approve: bool,
        edit: impl FnOnce(String) -> String,
    ) -> Ra {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pass"), PASSPHRASE).unwrap();
        std::fs::write(dir.path().join("current.pw"), CURRENT).unwrap();
        std::fs::write(dir.path().join("new.pw"), NEW).unwrap();
        let home = dir.path().join("ra");
        let pass = dir.path().join("pass");
        let database = qoltanba_testkit::ra_process::init_on(ra_binary(), &home, &pass, database);
        let config = home.join("config.toml");
        let mut text = std::fs::read_to_string(&config).unwrap();
        if !auto_approve {
            text = text.replace("auto_approve = true", "auto_approve = false");
        }
        std::fs::write(&config, edit(text)).unwrap();
        let (child, url) = serve(ra_binary(), &home, &pass);
        Ra {
            dir,
            url,
            child,
            _database: database,
        }
    }

    /// `kill -9` the server (SIGKILL) and reap it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the server has ended by itself (a crash point killed it),
    /// waiting up to `timeout`; reaped if so.
    pub fn ended_within(
        &mut self,
        timeout: std::time::Duration,
    ) -> Option<std::process::ExitStatus> {
        let until = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if std::time::Instant::now() >= until {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Start the (killed) server again on the same home and port, with
    /// `env` added to its environment.
    pub fn restart(&mut self, env: &[(&str, &str)]) {
        let (child, url) = qoltanba_testkit::ra_process::serve(
            ra_binary(),
            &self.path("ra"),
            &self.path("pass"),
            |serve| {
                serve.envs(env.iter().copied());
            },
        );
        self.child = child;
        self.url = url;
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `qoltanba --json renew` against this RA, with the device database `db`.
    pub fn renew_command(&self, db: &Path) -> assert_cmd::Command {
        let mut cmd = super::qoltanba();
        cmd.env("QOLTANBA_DB", db)
            .args([
                "--json",
                "renew",
                "--confirm",
                "--server",
                &self.url,
                "--ca-cert",
            ])
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

    /// The RA's database (SQLite or PostgreSQL, as its home says).
    pub fn db(&self) -> qoltanba_ra::db::Db {
        qoltanba_testkit::ra_process::db(&self.path("ra"))
    }

    /// The numbers of citizen `iin`'s applications, oldest first.
    pub fn applications_of(&self, iin: &str) -> Vec<i64> {
        let conn = self.db().conn();
        let mut stmt = conn
            .prepare("SELECT id FROM applications WHERE iin = ?1 ORDER BY id")
            .unwrap();
        stmt.query_map([iin], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// Where the RA recorded certificate `serial`'s key lives, and its
    /// validity in whole days.
    pub fn certificate_storage_and_days(&self, serial: &str) -> (Option<String>, i64) {
        self.db().conn().query_row(
            "SELECT storage, (not_after - not_before) / 86400 FROM certificates WHERE serial = ?1",
            [serial],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    }

    pub fn applications(&self) -> i64 {
        self.db()
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM applications",
                qoltanba_ra::params![],
                |r| r.get(0),
            )
            .unwrap()
    }
}

#[allow(unused_imports)] // not every test file of this crate uses each helper
pub use qoltanba_testkit::citizen::iin;

#[allow(unused_imports)] // not every test file of this crate uses each helper
pub use qoltanba_testkit::ra_process::code_in;

/// `qoltanba-ra serve` (the binary `ra`) on `home`, stopping when this
/// process ends (it watches its stdin); the child and its base URL.
pub fn serve(ra: &Path, home: &Path, pass: &Path) -> (Child, String) {
    qoltanba_testkit::ra_process::serve(ra, home, pass, |_| {})
}
