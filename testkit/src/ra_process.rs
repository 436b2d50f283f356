//! A real `qoltanba-ra` binary in a child process, for the tests that run
//! the RA as an operator does: a home made by `init`, `serve` over HTTPS on a
//! free loopback port, and the one-time codes from its outbox. (The embedded
//! RA, [`crate::embedded`], is the same server inside the test's process.)

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub use crate::postgres::TestDatabase;

/// The operator passphrase of the test homes.
pub const OPERATOR_PASSPHRASE: &str = "Operat0rPass";

/// Run `binary args…` to completion: its standard output on success; the
/// test fails otherwise, with the RA's message.
pub fn run(binary: &Path, args: &[&str]) -> String {
    let out = Command::new(binary)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{} cannot run: {e}", binary.display()));
    assert!(
        out.status.success(),
        "qoltanba-ra {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A loopback port free now (the RA binds it a moment later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// `qoltanba-ra init` of a home in `home`, listening on a free loopback
/// port, under the passphrase in `passphrase_file`, on the database
/// `QOLTANBA_TEST_DATABASE` picks ([`TestDatabase`]); keep what it returns
/// as long as the RA runs (on PostgreSQL it is the cluster). A throwaway
/// home: its key files are in NCA's cheap profile (`--key-file-profile
/// nca`), which makes `init` and every `serve` seconds faster in the tests'
/// debug builds.
#[must_use = "on PostgreSQL the database lives as long as this value"]
pub fn init(binary: &Path, home: &Path, passphrase_file: &Path) -> TestDatabase {
    init_on(binary, home, passphrase_file, TestDatabase::from_env())
}

/// [`init`] on the given `database` rather than the one the environment
/// picks.
#[must_use = "on PostgreSQL the database lives as long as this value"]
pub fn init_on(
    binary: &Path,
    home: &Path,
    passphrase_file: &Path,
    database: TestDatabase,
) -> TestDatabase {
    let listen = format!("127.0.0.1:{}", free_port());
    let home = home.to_str().expect("a UTF-8 temporary path");
    let pass = passphrase_file.to_str().expect("a UTF-8 temporary path");
    let mut args: Vec<String> = [
        "init",
        "--dir",
        home,
        "--listen",
        &listen,
        "--passphrase-file",
        pass,
        "--key-file-profile",
        "nca",
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend(database.init_args());
    run(binary, &args.iter().map(String::as_str).collect::<Vec<_>>());
    database
}

/// The database of the RA home `home` (SQLite or PostgreSQL, as its
/// config.toml says), to read what the RA wrote.
pub fn db(home: &Path) -> qoltanba_ra::db::Db {
    qoltanba_ra::home::Home::open(home)
        .unwrap_or_else(|e| panic!("the RA home {} does not open: {e}", home.display()))
        .db
}

/// `qoltanba-ra serve` of `home` in a child process that stops when its
/// standard input closes (with the test process at the latest); `command`
/// may add environment and the standard error's destination. The child,
/// with its standard input still open, and the base URL it printed.
pub fn serve(
    binary: &Path,
    home: &Path,
    passphrase_file: &Path,
    command: impl FnOnce(&mut Command),
) -> (Child, String) {
    let mut serve = Command::new(binary);
    serve
        .args(["serve", "--stop-on-stdin-eof", "--dir"])
        .arg(home)
        .arg("--passphrase-file")
        .arg(passphrase_file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command(&mut serve);
    let mut child = serve
        .spawn()
        .unwrap_or_else(|e| panic!("{} cannot run: {e}", binary.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("the RA prints where it listens");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("the RA did not start: {line:?}"))
        .to_string();
    (child, url)
}

/// The one-time code the outbox of the RA home `home` holds for
/// application `number` (the newest, if it was sent again).
pub fn code_in(home: &Path, number: i64) -> String {
    let body: String = db(home)
        .conn()
        .query_row(
            "SELECT body FROM outbox WHERE channel = 'sms' AND body LIKE ?1 ORDER BY id DESC LIMIT 1",
            [format!("qoltanba: application {number},%")],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("no code in the outbox for application {number}: {e}"));
    body.rsplit(' ')
        .next()
        .expect("the code ends the message")
        .to_string()
}
