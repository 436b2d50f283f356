//! A real PostgreSQL server for a test: Debian's `postgresql` binaries,
//! a throwaway cluster in a temporary directory, listening on a free
//! loopback port, stopped (immediately) and deleted when dropped.
//!
//! The cluster has one role, [`Postgres::USER`], with a random password
//! (SCRAM over TCP, as a production server would ask), and one database
//! per [`Postgres::database`] call, so one cluster can serve several RA
//! homes (e.g. two nodes on one database, or a fresh database per case).
//! Durability is off (`fsync = off`): a test never survives a power cut,
//! and initdb plus start take about a second.
//!
//! PostgreSQL refuses to run as root. As root (the CI machine, pcscd's
//! tests) the server runs as the `postgres` user Debian's package creates,
//! through `runuser`; otherwise as the calling user.
//!
//! [`Postgres::start_tls`] starts one that speaks TLS only, as a national
//! RA's database cluster would: `ssl = on` with a server certificate for
//! `127.0.0.1` (an IP address only, so a connection to `localhost` is a
//! name mismatch) issued by a test CA made with the openssl binary
//! ([`Postgres::ca_file`]), and pg_hba `hostssl … scram-sha-256` lines
//! only, so plain TCP is refused.
//!
//! Where the binaries are missing, [`Postgres::start`] says so: a test
//! skips, or fails under `QOLTANBA_REQUIRE_PEERS` as other peer tests do
//! ([`Postgres::start_or_skip`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A running throwaway PostgreSQL cluster.
pub struct Postgres {
    /// The watchdog's standard input: when this process ends, even without
    /// dropping this value (a server kept in a `static` by a test binary),
    /// the pipe closes and the watchdog stops the cluster and deletes it.
    _watchdog: Option<std::process::ChildStdin>,
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    password: String,
    as_postgres_user: bool,
    /// TLS only, with the test CA's certificate at this path.
    ca_file: Option<PathBuf>,
}

/// Why the cluster could not be had.
#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    #[error(
        "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin): apt-get install postgresql"
    )]
    Missing,
    #[error("PostgreSQL {step} failed: {detail}")]
    Step { step: &'static str, detail: String },
}

impl Postgres {
    /// The role every database belongs to.
    pub const USER: &'static str = "qoltanba";

    /// The newest installed server's bin directory.
    fn find_bin() -> Option<PathBuf> {
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse::<u32>().ok()?;
                let bin = e.path().join("bin");
                bin.join("initdb").exists().then_some((version, bin))
            })
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    }

    /// Start a fresh cluster, plain TCP.
    pub fn start() -> Result<Self, PostgresError> {
        Self::start_with(false)
    }

    /// Start a fresh cluster that accepts TLS connections only (the module's
    /// documentation says how).
    pub fn start_tls() -> Result<Self, PostgresError> {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Result<Self, PostgresError> {
        let bin = Self::find_bin().ok_or(PostgresError::Missing)?;
        let as_postgres_user = running_as_root();
        let dir = tempfile::Builder::new()
            .prefix("qoltanba-pg-")
            .tempdir()
            .map_err(|e| step("a temporary directory", e))?;
        let mut password = [0u8; 18];
        getrandom::fill(&mut password).map_err(|e| step("a random password", e))?;
        let password = hex::encode(password);
        let mut pg = Self {
            _watchdog: None,
            dir,
            bin,
            port: crate::ra_process::free_port(),
            password,
            as_postgres_user,
            ca_file: None,
        };
        std::fs::write(pg.pwfile(), &pg.password).map_err(|e| step("the password file", e))?;
        if tls {
            pg.ca_file = Some(pg.make_certificates()?);
        }
        if as_postgres_user {
            pg.run_plain(
                "chown",
                &["-R", "postgres:postgres", &pg.path_str(pg.dir.path())],
            )?;
        }
        let data = pg.path_str(&pg.data());
        let pwfile = pg.path_str(&pg.pwfile());
        pg.run_server_tool(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                Self::USER,
                "--pwfile",
                &pwfile,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "-N",
            ],
        )?;
        let mut options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            pg.port,
            pg.path_str(pg.dir.path()),
        );
        if tls {
            // Only TLS over TCP; the Unix socket stays trusted for psql.
            std::fs::write(
                pg.data().join("pg_hba.conf"),
                "local all all trust\n\
                 hostssl all all 127.0.0.1/32 scram-sha-256\n\
                 hostssl all all ::1/128 scram-sha-256\n",
            )
            .map_err(|e| step("pg_hba.conf", e))?;
            let tls_dir = pg.path_str(&pg.dir.path().join("tls"));
            options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={tls_dir}/server.pem -c ssl_key_file={tls_dir}/server.key"
            ));
        }
        let log = pg.path_str(&pg.dir.path().join("server.log"));
        pg.run_server_tool(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "60", "start",
            ],
        )?;
        pg.wait_ready()?;
        pg._watchdog = Some(pg.watchdog()?);
        Ok(pg)
    }

    /// The test CA and the server's key and certificate (for the IP
    /// address 127.0.0.1 only) in `tls/`; the CA's certificate's path.
    fn make_certificates(&self) -> Result<PathBuf, PostgresError> {
        let dir = self.dir.path().join("tls");
        std::fs::create_dir(&dir).map_err(|e| step("the TLS directory", e))?;
        let openssl = |args: &[&str]| {
            let out = crate::openssl::run(&dir, args);
            if out.status.success() {
                Ok(())
            } else {
                Err(step("openssl (the test CA)", crate::openssl::text(&out)))
            }
        };
        let ec = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
        openssl(&[&["genpkey"][..], &ec, &["-out", "ca.key"]].concat())?;
        openssl(&[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-subj",
            "/CN=qoltanba test PostgreSQL CA",
            "-days",
            "2",
            "-out",
            "ca.pem",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ])?;
        openssl(&[&["genpkey"][..], &ec, &["-out", "server.key"]].concat())?;
        openssl(&[
            "req",
            "-new",
            "-key",
            "server.key",
            "-subj",
            "/CN=127.0.0.1",
            "-out",
            "server.csr",
        ])?;
        std::fs::write(
            dir.join("server.ext"),
            "basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature\n\
             extendedKeyUsage=serverAuth\n\
             subjectAltName=IP:127.0.0.1\n",
        )
        .map_err(|e| step("the server certificate's extensions", e))?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ])?;
        // The server refuses a key others may read.
        #[cfg(unix)]
        std::fs::set_permissions(
            dir.join("server.key"),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .map_err(|e| step("the server key's mode", e))?;
        Ok(dir.join("ca.pem"))
    }

    /// The PEM of the CA that issued the server's certificate, when the
    /// cluster speaks TLS ([`Postgres::start_tls`]).
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.ca_file.clone()
    }

    /// A shell that waits for its standard input to close, then stops the
    /// cluster at once and deletes its directory.
    fn watchdog(&self) -> Result<std::process::ChildStdin, PostgresError> {
        let pg_ctl = self.path_str(&self.bin.join("pg_ctl"));
        let stop = if self.as_postgres_user {
            "runuser -u postgres -- \"$1\" -D \"$2/data\" -m immediate -w stop"
        } else {
            "\"$1\" -D \"$2/data\" -m immediate -w stop"
        };
        let mut watchdog = Command::new("sh");
        // A process group of its own: a test runner that kills the test's
        // group when it ends (nextest does) must not take the watchdog too.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut watchdog, 0);
        let mut child = watchdog
            .args([
                "-c",
                &format!("cat >/dev/null; {stop} >/dev/null 2>&1; rm -rf \"$2\""),
                "qoltanba-pg-watchdog",
                &pg_ctl,
                &self.path_str(self.dir.path()),
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| step("the watchdog", e))?;
        child
            .stdin
            .take()
            .ok_or_else(|| step("the watchdog", "no standard input"))
    }

    /// [`Postgres::start`], or `None` with a notice on stderr when
    /// PostgreSQL is not installed; under `QOLTANBA_REQUIRE_PEERS` a
    /// missing server fails the test instead.
    pub fn start_or_skip() -> Option<Self> {
        Self::skip_if_missing(Self::start())
    }

    /// [`Postgres::start_tls`], or `None` as [`Postgres::start_or_skip`].
    pub fn start_tls_or_skip() -> Option<Self> {
        Self::skip_if_missing(Self::start_tls())
    }

    fn skip_if_missing(started: Result<Self, PostgresError>) -> Option<Self> {
        match started {
            Ok(pg) => Some(pg),
            Err(PostgresError::Missing) if std::env::var_os("QOLTANBA_REQUIRE_PEERS").is_none() => {
                eprintln!("skipped: {}", PostgresError::Missing);
                None
            }
            Err(e) => panic!("{e}"),
        }
    }

    /// Create a fresh database (a name of letters, digits and `_`) owned
    /// by [`Postgres::USER`]; its URL, without the password.
    pub fn database(&self, name: &str) -> Result<String, PostgresError> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(PostgresError::Step {
                step: "createdb",
                detail: format!("{name:?} is not a plain database name"),
            });
        }
        self.psql(
            "postgres",
            &format!("CREATE DATABASE {name} OWNER {}", Self::USER),
        )?;
        Ok(self.url(name))
    }

    /// The URL of database `name` over TCP on loopback, without the password.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{}@127.0.0.1:{}/{name}", Self::USER, self.port)
    }

    /// The role's password (the RA reads it from a file: [`Postgres::password_file`]).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// A file holding only the password, readable by the test.
    pub fn password_file(&self) -> PathBuf {
        self.pwfile()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Run SQL in database `db` as the role (over the Unix socket, trusted)
    /// and return psql's unaligned, tuples-only output.
    pub fn psql(&self, db: &str, sql: &str) -> Result<String, PostgresError> {
        let socket = self.path_str(self.dir.path());
        let port = self.port.to_string();
        let out = self.run_server_tool(
            "psql",
            &[
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                &socket,
                "-p",
                &port,
                "-U",
                Self::USER,
                "-d",
                db,
                "-c",
                sql,
            ],
        )?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn pwfile(&self) -> PathBuf {
        self.dir.path().join("password")
    }

    fn path_str(&self, path: &Path) -> String {
        path.to_string_lossy().into_owned()
    }

    fn wait_ready(&self) -> Result<(), PostgresError> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.psql("postgres", "SELECT 1").is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(PostgresError::Step {
                    step: "start",
                    detail: format!("not ready after 30 s; log:\n{}", self.log()),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One of the server's programs, as the `postgres` user when root.
    fn run_server_tool(&self, tool: &'static str, args: &[&str]) -> Result<Output, PostgresError> {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        command
            .args(args)
            .env_remove("PGPASSWORD")
            .current_dir(self.dir.path());
        checked(tool, command.output())
    }

    fn run_plain(&self, program: &'static str, args: &[&str]) -> Result<Output, PostgresError> {
        checked(program, Command::new(program).args(args).output())
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.path_str(&self.data());
        let _ = self.run_server_tool("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}

fn step(step: &'static str, e: impl std::fmt::Display) -> PostgresError {
    PostgresError::Step {
        step,
        detail: e.to_string(),
    }
}

fn checked(step: &'static str, output: std::io::Result<Output>) -> Result<Output, PostgresError> {
    let output = output.map_err(|e| PostgresError::Step {
        step,
        detail: e.to_string(),
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(PostgresError::Step {
            step,
            detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// Whether this process runs as root, read from /proc (the test kit has no
/// libc binding, and the workspace forbids `unsafe`).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// The database a test's RA runs on, chosen by the environment:
/// `QOLTANBA_TEST_DATABASE=postgres` puts it on a fresh database of a
/// throwaway [`Postgres`] cluster of its own (kept as long as this value),
/// over TLS only with `[database] tls = "verify-full"` and the test CA;
/// unset or `sqlite`, on SQLite in the RA's home as by default. The API and
/// notice suites run once each way (scripts/test.sh).
pub struct TestDatabase {
    postgres: Option<(Postgres, String)>,
}

impl TestDatabase {
    /// The name of the variable that picks the back-end.
    pub const VARIABLE: &'static str = "QOLTANBA_TEST_DATABASE";

    /// As `QOLTANBA_TEST_DATABASE` says; a PostgreSQL asked for but not
    /// installed fails the test.
    pub fn from_env() -> Self {
        match std::env::var(Self::VARIABLE).as_deref() {
            Ok("postgres") => {
                let pg = Postgres::start_tls()
                    .unwrap_or_else(|e| panic!("{} = postgres: {e}", Self::VARIABLE));
                let url = pg
                    .database("ra")
                    .unwrap_or_else(|e| panic!("{} = postgres: {e}", Self::VARIABLE));
                Self {
                    postgres: Some((pg, url)),
                }
            }
            Ok("sqlite") | Err(std::env::VarError::NotPresent) => Self::sqlite(),
            Ok(other) => panic!("{} = {other:?}: use postgres or sqlite", Self::VARIABLE),
            Err(e) => panic!("{}: {e}", Self::VARIABLE),
        }
    }

    /// SQLite in the RA's home, whatever the environment says: for a test
    /// about SQLite itself (the e2e crash campaign reads the file while the
    /// RA is killed).
    pub fn sqlite() -> Self {
        Self { postgres: None }
    }

    /// The cluster, when on PostgreSQL.
    pub fn postgres(&self) -> Option<&Postgres> {
        self.postgres.as_ref().map(|(pg, _)| pg)
    }

    /// config.toml's `[database]` for it (`None`: SQLite in the home).
    pub fn config(&self) -> Option<qoltanba_ra::config::DatabaseConfig> {
        self.postgres
            .as_ref()
            .map(|(pg, url)| qoltanba_ra::config::DatabaseConfig {
                url: url.clone(),
                password_file: Some(pg.password_file()),
                pool_size: 8,
                tls: Some(qoltanba_ra::config::DatabaseTls::VerifyFull),
                ca_file: pg.ca_file(),
            })
    }

    /// The arguments of `qoltanba-ra init` that put the home on it.
    pub fn init_args(&self) -> Vec<String> {
        match &self.postgres {
            Some((pg, url)) => {
                let mut args = vec![
                    "--database".into(),
                    url.clone(),
                    "--database-password-file".into(),
                    pg.password_file().to_string_lossy().into_owned(),
                    "--database-tls".into(),
                    "verify-full".into(),
                ];
                if let Some(ca) = pg.ca_file() {
                    args.extend([
                        "--database-ca-file".into(),
                        ca.to_string_lossy().into_owned(),
                    ]);
                }
                args
            }
            None => Vec::new(),
        }
    }

    /// Open it for an RA home in `dir` (SQLite: `dir/ra.db`), migrated.
    pub fn open(&self, dir: &Path) -> qoltanba_ra::db::Db {
        qoltanba_ra::db::Db::open_home(dir, self.config().as_ref())
            .unwrap_or_else(|e| panic!("the test database does not open: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_starts_serves_two_databases_and_stops() {
        let Some(pg) = Postgres::start_or_skip() else {
            return;
        };
        let a = pg.database("first").unwrap();
        let b = pg.database("second").unwrap();
        assert_ne!(a, b);
        pg.psql(
            "first",
            "CREATE TABLE t (x BIGINT); INSERT INTO t VALUES (7)",
        )
        .unwrap();
        assert_eq!(pg.psql("first", "SELECT x FROM t").unwrap().trim(), "7");
        assert!(
            pg.psql("second", "SELECT x FROM t").is_err(),
            "databases are separate"
        );
        assert!(pg.database("no; DROP").is_err());
        // Password auth over TCP: psql with the password file's content.
        let port = pg.port().to_string();
        let out = Command::new(pg.bin.join("psql"))
            .args([
                "-X",
                "-A",
                "-t",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                Postgres::USER,
                "-d",
                "first",
                "-c",
                "SELECT x FROM t",
            ])
            .env("PGPASSWORD", pg.password())
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "7", "{out:?}");
        let wrong = Command::new(pg.bin.join("psql"))
            .args([
                "-X",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                Postgres::USER,
                "-d",
                "first",
                "-c",
                "SELECT 1",
            ])
            .env("PGPASSWORD", "wrong")
            .output()
            .unwrap();
        assert!(!wrong.status.success(), "a wrong password is refused");
        let data = pg.data();
        drop(pg);
        assert!(!data.exists(), "the cluster's directory is deleted");
    }
}
