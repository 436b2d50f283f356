//! Figures at national scale (issue 20): the nightly expiry-notice pass over
//! N certificates in PostgreSQL, issuance per second with one and two
//! `qoltanba-ra serve` nodes, and the peers that say where the limit is (CA
//! signatures, TLS handshakes, the database's issuance transaction), all in
//! one run so the ratios compare like with like. Prints figures; asserts
//! nothing about time.
//!
//! `cargo bench -p qoltanba-ra --bench national_scale`, with
//! - `NATIONAL_N`: certificates in the notice population (default 200 000;
//!   20 000 000 is the national figure: about 10 minutes and 7 GB of disk
//!   on 2 cores, see docs/operations.md section 7);
//! - `NATIONAL_CLIENTS`, `NATIONAL_APPS`: client threads and applications
//!   each for the issuance rounds (default 8 and 10);
//! - `NATIONAL_PARTS`: a comma list of `ca`, `tls`, `issuance`, `plan`, `db`
//!   (default all);
//! - `NATIONAL_POSTGRES=off`: leave PostgreSQL out (SQLite issuance, CA and
//!   TLS only);
//! - `NATIONAL_FIRST_NIGHT`: `send` runs the first night through the RA
//!   (outbox senders), `record` writes its records by SQL (default: send
//!   up to N = 2 000 000, about 7 % of N messages).
//!
//! PostgreSQL is a throwaway cluster (`qoltanba_testkit::postgres`) with
//! durability off, as in the tests: the database figures are an upper bound
//! for a production server that flushes its WAL on commit.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

#[path = "support/cabinet.rs"]
mod cabinet;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::{KeySpec, generate};
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_pki::reissue::{build_csr, individual_subject, verify_csr};
use qoltanba_ra::ca::CaSet;
use qoltanba_ra::config::Notices;
use qoltanba_ra::db::Db;
use qoltanba_ra::home::Home;
use qoltanba_ra::notify::plan::{DAY, Schedule};
use qoltanba_ra::notify::{self, Channel};
use qoltanba_ra::registry::{self, Enrolment};
use qoltanba_testkit::citizen::iin;
use qoltanba_testkit::postgres::Postgres;
use qoltanba_testkit::ra_process::{self, OPERATOR_PASSPHRASE};
use time::OffsetDateTime;

use cabinet::{CITIZEN_PASSWORD, Citizen, Outcome, Target};

/// 2030-01-01T00:00:00Z, the pinned "now" of the notice population.
const NOW: i64 = 1_893_456_000;

/// How long each throughput peer runs.
const WINDOW: Duration = Duration::from_secs(3);

struct Knobs {
    n: i64,
    clients: usize,
    apps: usize,
    parts: Vec<String>,
    first_night: FirstNight,
    postgres: bool,
}

impl Knobs {
    fn from_env() -> Self {
        let number = |name: &str, default: i64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or(default)
        };
        let parts = std::env::var("NATIONAL_PARTS")
            .unwrap_or_else(|_| "ca,tls,issuance,plan,db".into())
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        let n = number("NATIONAL_N", 200_000).max(2);
        // Sending the first night through the RA writes about 7 % of N
        // outbox messages: minutes for a national population.
        let first_night = match std::env::var("NATIONAL_FIRST_NIGHT").as_deref() {
            Ok("send") => FirstNight::Send,
            Ok("record") => FirstNight::Record,
            _ if n <= 2_000_000 => FirstNight::Send,
            _ => FirstNight::Record,
        };
        Self {
            n,
            first_night,
            postgres: std::env::var("NATIONAL_POSTGRES").as_deref() != Ok("off"),
            clients: number("NATIONAL_CLIENTS", 8).max(1) as usize,
            apps: number("NATIONAL_APPS", 10).max(1) as usize,
            parts,
        }
    }

    fn wants(&self, part: &str) -> bool {
        self.parts.iter().any(|p| p == part)
    }
}

fn main() {
    let knobs = Knobs::from_env();
    println!(
        "national_scale: N = {} certificates, {} clients x {} applications, parts {:?}",
        knobs.n, knobs.clients, knobs.apps, knobs.parts
    );
    println!("machine: {}", machine());
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_qoltanba-ra"));
    let work = tempfile::Builder::new()
        .prefix("qoltanba-national-")
        .tempdir()
        .unwrap();
    let pg = (knobs.postgres
        && (knobs.wants("issuance") || knobs.wants("plan") || knobs.wants("db")))
    .then(|| Postgres::start().expect("PostgreSQL (apt-get install postgresql)"));

    // One SQLite home serves the CA and TLS peers and the SQLite issuance.
    let sqlite_home = ProcessHome::init(&binary, &work.path().join("sqlite"), |_| {});
    let mut peers = Peers::default();
    if knobs.wants("ca") {
        peers.ca = ca_signatures(&sqlite_home.cas());
    }
    if knobs.wants("tls") {
        let node = sqlite_home.serve(&binary, None);
        peers.tls = Some(tls_handshakes(
            &node.url,
            &sqlite_home.root_der,
            knobs.clients,
        ));
    }
    if knobs.wants("issuance") {
        issuance(
            &knobs,
            &binary,
            work.path(),
            &sqlite_home,
            pg.as_ref(),
            &peers,
        );
    }
    if let Some(pg) = pg
        .as_ref()
        .filter(|_| knobs.wants("plan") || knobs.wants("db"))
    {
        let population = NoticePopulation::load(pg, knobs.n);
        if knobs.wants("plan") {
            population.nightly_pass(pg, knobs.first_night);
        }
        if knobs.wants("db") {
            population.issuance_transactions(pg, knobs.clients);
        }
        population.drop_database(pg);
    }
}

/// What the CA, TLS and database peers measured, for the ratios.
#[derive(Default)]
struct Peers {
    /// (algorithm, signatures per second on one core, on every core).
    ca: Vec<(KeySpec, f64, f64)>,
    tls: Option<TlsFigures>,
}

/// CPU seconds (user and system) process `pid` has used; with
/// `children`, also those of its reaped children (a PostgreSQL postmaster
/// collects its ended backends' time there).
fn cpu_seconds(pid: u32, children: bool) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) in parentheses.
    let fields: Vec<f64> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    // utime, stime, cutime, cstime are fields 14 to 17 (11 to 14 here).
    let own = fields.get(11).unwrap_or(&0.0) + fields.get(12).unwrap_or(&0.0);
    let reaped = fields.get(13).unwrap_or(&0.0) + fields.get(14).unwrap_or(&0.0);
    (own + if children { reaped } else { 0.0 }) / 100.0
}

/// CPU seconds of a PostgreSQL cluster so far: the postmaster, its ended
/// children and its live ones.
fn postgres_cpu_seconds(pg: &Postgres) -> f64 {
    let checkpointer: u32 = pg
        .psql(
            "postgres",
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'",
        )
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let parent = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        stat.rsplit(')')
            .next()?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let postmaster = parent(checkpointer).unwrap();
    let live: f64 = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| parent(pid) == Some(postmaster))
        .map(|pid| cpu_seconds(pid, false))
        .sum();
    cpu_seconds(postmaster, true) + live
}

/// The load on the machine while the run starts: the bench shares 2 cores.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("{cores} cores, load average {}", load.join(" "))
}

// ---------------------------------------------------------------------------
// A `qoltanba-ra` home served by child processes.

struct ProcessHome {
    dir: PathBuf,
    passphrase_file: PathBuf,
    root_der: Vec<u8>,
    /// What `init` set up for the home (nothing on SQLite).
    _database: ra_process::TestDatabase,
}

/// A running `qoltanba-ra serve`; stops when dropped (its standard input
/// closes).
struct Node {
    child: Child,
    url: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

impl ProcessHome {
    /// `qoltanba-ra init` in `dir`, with the abuse limits off (one machine,
    /// many clients) and `configure` changing config.toml.
    fn init(binary: &Path, dir: &Path, configure: impl FnOnce(&mut toml::Table)) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let passphrase_file = dir.join("passphrase");
        std::fs::write(&passphrase_file, OPERATOR_PASSPHRASE).unwrap();
        let home = dir.join("home");
        // The SQLite peer must be SQLite: leave QOLTANBA_TEST_DATABASE unset.
        let database = ra_process::init(binary, &home, &passphrase_file);
        let config_path = home.join("config.toml");
        let mut config: toml::Table = std::fs::read_to_string(&config_path)
            .unwrap()
            .parse()
            .unwrap();
        let limits = config
            .entry("limits")
            .or_insert_with(|| toml::Value::Table(Default::default()))
            .as_table_mut()
            .unwrap();
        for key in [
            "logins_per_minute",
            "codes_per_minute",
            "submissions_per_hour",
            "challenges_per_minute",
        ] {
            limits.insert(key.into(), toml::Value::Integer(i64::from(u32::MAX)));
        }
        configure(&mut config);
        std::fs::write(&config_path, toml::to_string(&config).unwrap()).unwrap();
        let root_pem = std::fs::read_to_string(Home::tls_ca_path(&home)).unwrap();
        let (_, root_der) = der::pem::decode_vec(root_pem.as_bytes()).unwrap();
        Self {
            dir: home,
            passphrase_file,
            root_der,
            _database: database,
        }
    }

    fn open(&self) -> Home {
        Home::open(&self.dir).unwrap()
    }

    fn cas(&self) -> CaSet {
        self.open()
            .unlock_cas(&Password::new(OPERATOR_PASSPHRASE))
            .unwrap()
    }

    /// `count` citizens with `spec` keys, enrolled through the RA's own
    /// registry (into whichever database the home's configuration names).
    fn enroll(&self, spec: KeySpec, first: u32, count: usize) -> Vec<Citizen> {
        let home = self.open();
        let cas = home
            .unlock_cas(&Password::new(OPERATOR_PASSPHRASE))
            .unwrap();
        let password = NewPassword::new(Password::new(CITIZEN_PASSWORD)).unwrap();
        let now = OffsetDateTime::now_utc();
        (0..count)
            .map(|c| {
                let id = iin(first + c as u32);
                let written = registry::enroll(
                    &home.db,
                    &cas,
                    &home.config.public_url,
                    &Enrolment {
                        iin: &id,
                        surname: "ТЕСТОВ",
                        name: "ТЕСТ",
                        patronymic: None,
                        email: Some("testov@example.kz"),
                        phone: Some("+77011234567"),
                        algorithm: spec,
                        valid_from: now - time::Duration::days(1),
                        valid_days: 365,
                    },
                    &password,
                    &self.dir.join("citizens").join(&id),
                    now,
                )
                .unwrap();
                Citizen::open(spec, &written)
            })
            .collect()
    }

    /// One `serve` process; `listen` overrides the configured address (a
    /// second node of the same home).
    fn serve(&self, binary: &Path, listen: Option<SocketAddr>) -> Node {
        let (child, url) = ra_process::serve(binary, &self.dir, &self.passphrase_file, |c| {
            if let Some(listen) = listen {
                c.arg("--listen").arg(listen.to_string());
            }
        });
        Node { child, url }
    }
}

// ---------------------------------------------------------------------------
// The CA alone.

/// Certificates signed per second by each CA, on one thread and on every
/// core, without HTTP or database.
fn ca_signatures(cas: &CaSet) -> Vec<(KeySpec, f64, f64)> {
    println!();
    println!("CA signatures alone (one certificate each, no HTTP, no database)");
    let subject = individual_subject("ТЕСТОВ", "ТЕСТ", None, &iin(1), None).unwrap();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut out = Vec::new();
    for spec in [KeySpec::Rsa2048, KeySpec::P256, KeySpec::Gost512] {
        let key = generate(spec).unwrap();
        let purpose = if spec == KeySpec::Gost512 {
            Purpose::Both
        } else {
            Purpose::Sign
        };
        let csr = verify_csr(&build_csr(&key, &subject, purpose).unwrap()).unwrap();
        let sign = || {
            cas.issue(&csr, OffsetDateTime::now_utc(), 365, "https://127.0.0.1")
                .unwrap();
        };
        let one = throughput(1, |_| sign());
        let all = throughput(threads, |_| sign());
        println!(
            "  {:<14} {:>8.1} /s on 1 thread  {:>8.1} /s on {threads} threads",
            spec.name(),
            one,
            all
        );
        out.push((spec, one, all));
    }
    out
}

/// Calls of `work` per second over [`WINDOW`] with `threads` threads.
fn throughput(threads: usize, work: impl Fn(usize) + Sync) -> f64 {
    let done = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (done, stop, work) = (&done, &stop, &work);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    work(t);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(WINDOW);
        stop.store(true, Ordering::Relaxed);
    });
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

// ---------------------------------------------------------------------------
// TLS against the RA alone.

struct TlsFigures {
    full: f64,
}

/// Handshakes per second against a `serve` process (full ones, no
/// resumption), and for comparison small requests on kept-alive
/// connections, with `clients` threads.
fn tls_handshakes(base: &str, root_der: &[u8], clients: usize) -> TlsFigures {
    println!();
    println!("TLS against the RA alone ({clients} client threads, one node, SQLite)");
    let addr: SocketAddr = base.trim_start_matches("https://").parse().unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls_pki_types::CertificateDer::from(root_der.to_vec()))
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // Full handshakes: no session resumption.
    let config = || {
        let mut c = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        c.resumption = rustls::client::Resumption::disabled();
        Arc::new(c)
    };
    let handshake = |config: &Arc<rustls::ClientConfig>| {
        let mut sock = TcpStream::connect(addr).unwrap();
        let name = rustls_pki_types::ServerName::IpAddress(addr.ip().into());
        let mut conn = rustls::ClientConnection::new(config.clone(), name).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(&mut sock).unwrap();
        }
        conn.send_close_notify();
        let _ = conn.complete_io(&mut sock);
        let mut rest = Vec::new();
        let _ = rustls::Stream::new(&mut conn, &mut sock).read_to_end(&mut rest);
    };
    {
        let mut sock = TcpStream::connect(addr).unwrap();
        let name = rustls_pki_types::ServerName::IpAddress(addr.ip().into());
        let mut conn = rustls::ClientConnection::new(config(), name).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(&mut sock).unwrap();
        }
        let key = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|c| qoltanba_pki::cert::KzCertificate::from_der(c.as_ref()).ok())
            .map(|c| c.key_algorithm().name());
        println!(
            "  negotiated: {:?}, {:?}, {:?}, server key {}",
            conn.protocol_version(),
            conn.negotiated_cipher_suite().map(|s| s.suite()),
            conn.negotiated_key_exchange_group().map(|g| g.name()),
            key.unwrap_or_else(|| "?".into())
        );
    }
    let full_config = config();
    let full = throughput(clients, |_| handshake(&full_config));
    let agents: Vec<ureq::Agent> = (0..clients)
        .map(|_| {
            let root = ureq::tls::Certificate::from_der(root_der).to_owned();
            let tls = ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
                .build();
            ureq::Agent::config_builder()
                .tls_config(tls)
                .build()
                .new_agent()
        })
        .collect();
    let policy = format!("{base}/v1/policy");
    let kept_alive = throughput(clients, |t| {
        agents[t]
            .get(&policy)
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap();
    });
    println!("  full handshakes          {full:>8.1} /s (new connection, no resumption)");
    println!(
        "  GET /v1/policy kept alive {kept_alive:>7.1} /s ({:.1} x full handshakes)",
        kept_alive / full
    );
    let _ = std::io::stdout().flush();
    TlsFigures { full }
}

// ---------------------------------------------------------------------------
// Issuance per second.

fn issuance(
    knobs: &Knobs,
    binary: &Path,
    work: &Path,
    sqlite_home: &ProcessHome,
    pg: Option<&Postgres>,
    peers: &Peers,
) {
    println!();
    println!(
        "Issuance over HTTPS: {} clients x {} P-256 applications (login, submit, code from the outbox, confirm, download)",
        knobs.clients, knobs.apps
    );
    let mut rows: Vec<(String, Round)> = Vec::new();

    // SQLite, one node: the peer.
    {
        let citizens = sqlite_home.enroll(KeySpec::P256, 2000, knobs.clients);
        let node = sqlite_home.serve(binary, None);
        let home = sqlite_home.dir.clone();
        let code = move |number: i64| ra_process::code_in(&home, number);
        let round = Round::run(&citizens, &[&node], sqlite_home, &code, knobs.apps, None);
        rows.push(("SQLite, 1 node".into(), round));
    }

    // PostgreSQL, one node and two nodes on one database.
    if let Some(pg) = pg {
        let url = pg.database("issuance").unwrap();
        let password_file = pg.password_file();
        let home = ProcessHome::init(binary, &work.join("postgres"), |config| {
            postgres_config(config, &url, &password_file)
        });
        // The codes through one pool of the bench's own (a psql per code
        // would cost the cluster a backend start each).
        let db = open_postgres(pg, &url);
        let code = |number: i64| outbox_code(&db, number);
        let citizens = home.enroll(KeySpec::P256, 3000, knobs.clients);
        {
            let node = home.serve(binary, None);
            let round = Round::run(&citizens, &[&node], &home, &code, knobs.apps, Some(pg));
            rows.push(("PostgreSQL, 1 node".into(), round));
        }
        {
            let first = home.serve(binary, None);
            let second_addr: SocketAddr = format!("127.0.0.1:{}", ra_process::free_port())
                .parse()
                .unwrap();
            let second = home.serve(binary, Some(second_addr));
            let round = Round::run(
                &citizens,
                &[&first, &second],
                &home,
                &code,
                knobs.apps,
                Some(pg),
            );
            rows.push(("PostgreSQL, 2 nodes".into(), round));
        }
    }

    let peer = rows[0].1.outcome.applications_per_second();
    println!(
        "  {:<20} {:>8} {:>8} {:>7} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "database, nodes",
        "apps/s",
        "certs/s",
        "p50 ms",
        "p99 ms",
        "vs SQLite",
        "RA ms",
        "PG ms",
        "client ms",
        "cores"
    );
    for (label, round) in &rows {
        let o = &round.outcome;
        let per_app = |cpu: f64| cpu * 1e3 / o.latencies.len() as f64;
        println!(
            "  {:<20} {:>8.1} {:>8.1} {:>7.1} {:>7.1} {:>8.2}x {:>8.2} {:>8.2} {:>9.2} {:>8.2}",
            label,
            o.applications_per_second(),
            o.certificates_per_second(),
            o.percentile(0.5).as_secs_f64() * 1e3,
            o.percentile(0.99).as_secs_f64() * 1e3,
            o.applications_per_second() / peer,
            per_app(round.ra_cpu),
            per_app(round.pg_cpu),
            per_app(round.client_cpu),
            (round.ra_cpu + round.pg_cpu + round.client_cpu) / o.elapsed.as_secs_f64()
        );
    }
    println!(
        "  (RA, PG, client ms: CPU time per application of the RA processes, the PostgreSQL cluster and the client threads; cores: all three together over the round's wall time)"
    );
    // Where the time goes: what one application costs the RA against what
    // the same work costs alone.
    if let Some((_, one, _)) = peers.ca.iter().find(|(s, _, _)| *s == KeySpec::P256) {
        for (label, round) in &rows {
            let ra_ms = round.ra_cpu * 1e3 / round.outcome.latencies.len() as f64;
            let ca_ms = 2.0 * 1e3 / one;
            println!(
                "  {label}: the two CA signatures are {:.1} % of the RA's CPU per application ({ca_ms:.3} of {ra_ms:.2} ms)",
                ca_ms / ra_ms * 100.0
            );
        }
    }
    if let Some(tls) = &peers.tls {
        let (_, round) = &rows[0];
        let ra_ms = round.ra_cpu * 1e3 / round.outcome.latencies.len() as f64;
        println!(
            "  a full TLS handshake per application would cap the RA at {:.0} applications/s ({:.1} x the SQLite rate); the cabinet keeps its connection, the RA spends {ra_ms:.2} ms CPU per application",
            tls.full,
            tls.full / peer
        );
    }
}

/// One issuance round and the CPU it cost.
struct Round {
    outcome: Outcome,
    ra_cpu: f64,
    pg_cpu: f64,
    client_cpu: f64,
}

impl Round {
    fn run(
        citizens: &[Citizen],
        nodes: &[&Node],
        home: &ProcessHome,
        code: &(dyn Fn(i64) -> String + Sync),
        apps: usize,
        pg: Option<&Postgres>,
    ) -> Self {
        let bases: Vec<String> = nodes.iter().map(|n| n.url.clone()).collect();
        let ra = || -> f64 { nodes.iter().map(|n| cpu_seconds(n.child.id(), false)).sum() };
        let db = || pg.map_or(0.0, postgres_cpu_seconds);
        let me = || cpu_seconds(std::process::id(), false);
        let (ra0, db0, me0) = (ra(), db(), me());
        let outcome = cabinet::run(
            citizens,
            &Target {
                bases: &bases,
                root_der: &home.root_der,
                code,
            },
            apps,
        );
        Self {
            outcome,
            ra_cpu: ra() - ra0,
            pg_cpu: db() - db0,
            client_cpu: me() - me0,
        }
    }
}

/// Point a home's configuration at a PostgreSQL database.
fn postgres_config(config: &mut toml::Table, url: &str, password_file: &Path) {
    let mut database = toml::Table::new();
    database.insert("url".into(), toml::Value::String(url.into()));
    database.insert(
        "password_file".into(),
        toml::Value::String(password_file.display().to_string()),
    );
    config.insert("database".into(), toml::Value::Table(database));
}

/// The code the outbox of `db` holds for application `number` (the newest,
/// if it was sent again).
fn outbox_code(db: &Db, number: i64) -> String {
    let body: String = db
        .conn()
        .query_row(
            "SELECT body FROM outbox WHERE channel = 'sms' AND body LIKE ?1 ORDER BY id DESC LIMIT 1",
            qoltanba_ra::db::params![format!("qoltanba: application {number},%")],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("no code in the outbox for application {number}: {e}"));
    body.rsplit(' ')
        .next()
        .expect("the code ends the message")
        .to_string()
}

// ---------------------------------------------------------------------------
// The notice population in PostgreSQL.

struct NoticePopulation {
    db: String,
    n: i64,
}

impl NoticePopulation {
    /// Create database `notices` with the RA's own schema, then load N
    /// certificates server-side: the RA's indexes and constraints are set
    /// aside during the load and rebuilt after it, as a bulk load is done.
    fn load(pg: &Postgres, n: i64) -> Self {
        let name = "notices";
        let url = pg.database(name).unwrap();
        drop(open_postgres(pg, &url));
        let population = Self { db: name.into(), n };
        println!();
        println!(
            "Notice population in PostgreSQL: {} citizens, {} certificates (auth and sign each)",
            n / 2,
            n / 2 * 2
        );
        let (set_aside, rebuild) = population.constraints(pg);
        let started = Instant::now();
        population.sql(pg, &set_aside.join(";\n"));
        let citizens = n / 2;
        let timed = |what: &str, sql: &str| {
            let t0 = Instant::now();
            population.sql(pg, sql);
            println!("  {what:<50} {:>9.1} s", t0.elapsed().as_secs_f64());
        };
        timed(
            "insert citizens",
            &format!(
                "INSERT INTO citizens (iin, surname, name, patronymic, email, phone, created_at)
                 SELECT lpad((900000000000 + i)::text, 12, '0'), 'Сейітова', 'Айгүл', NULL,
                        CASE WHEN i % 2 = 0 THEN 'c' || i || '@mail.kz' END,
                        CASE WHEN i % 3 = 0 THEN '+7701' || lpad((i % 10000000)::text, 7, '0') END, 0
                 FROM generate_series(0::bigint, {citizens} - 1) i"
            ),
        );
        // Auth and sign of one citizen end together (issued together);
        // the ends are spread evenly over 365 days in an order unrelated to
        // the rows' (a multiplicative permutation), so a range of ends is
        // scattered over the table as renewals scatter it; 1 % revoked.
        timed(
            "insert certificates (der: a 2-byte placeholder)",
            &format!(
                "INSERT INTO certificates (id, serial, iin, ca, purpose, algorithm, not_before, not_after, der, revoked_at)
                 SELECT 2 * i + p + 1, lpad(upper(to_hex(2 * i + p + 1)), 16, '0'),
                        lpad((900000000000 + i)::text, 12, '0'), 'ecdsa',
                        CASE p WHEN 0 THEN 'auth' ELSE 'sign' END, 'P-256', e - 365 * {DAY}, e, '\\x3000'::bytea,
                        CASE WHEN i % 100 = 99 THEN e - 200 * {DAY} END
                 FROM generate_series(0::bigint, {citizens} - 1) i
                 CROSS JOIN (VALUES (0), (1)) v(p)
                 CROSS JOIN LATERAL (SELECT {NOW} + 1 + ((i * 48271) % {citizens}) * 365 * {DAY} / {citizens} AS e) ends"
            ),
        );
        timed(
            "insert devices (a quarter; 1 in 3 of them iOS)",
            &format!(
                "INSERT INTO devices (iin, platform, token, locale, created_at)
                 SELECT lpad((900000000000 + i)::text, 12, '0'),
                        CASE WHEN i % 12 = 0 THEN 'ios' ELSE 'android' END,
                        'fcm-token-' || lpad(i::text, 140, '0'), 'ru', 0
                 FROM generate_series(0::bigint, {citizens} - 1, 4) i"
            ),
        );
        timed(
            "insert profiles (1 in 20; 1 in 40 declines SMS)",
            &format!(
                "INSERT INTO profiles (iin, contact_email, notify_email, notify_sms, notify_push, updated_at)
                 SELECT lpad((900000000000 + i)::text, 12, '0'), 'p' || i || '@mail.kz', 1,
                        CASE WHEN i % 40 = 0 THEN 0 ELSE 1 END, 1, 0
                 FROM generate_series(0::bigint, {citizens} - 1, 20) i"
            ),
        );
        timed(
            "rebuild the RA's indexes and constraints",
            &rebuild.join(";\n"),
        );
        timed("VACUUM ANALYZE", "VACUUM ANALYZE");
        println!(
            "  {:<50} {:>9.1} s",
            "load in all",
            started.elapsed().as_secs_f64()
        );
        println!("  size: {}", population.sizes(pg));
        population
    }

    fn sql(&self, pg: &Postgres, sql: &str) -> String {
        pg.psql(&self.db, sql)
            .unwrap_or_else(|e| panic!("{e}\n{sql}"))
    }

    /// The statements that drop the loaded tables' indexes and constraints,
    /// and those that rebuild them, read from the catalogue (so they follow
    /// the RA's migrations).
    fn constraints(&self, pg: &Postgres) -> (Vec<String>, Vec<String>) {
        let tables = "'citizens', 'certificates', 'devices', 'profiles', 'notices'";
        let rows = |sql: &str| -> Vec<Vec<String>> {
            self.sql(pg, sql)
                .lines()
                .filter(|l| !l.is_empty())
                .map(|l| l.split('|').map(str::to_string).collect())
                .collect()
        };
        // Foreign keys touching the loaded tables, either side.
        let foreign = rows(&format!(
            "SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint
             WHERE contype = 'f' AND connamespace = 'public'::regnamespace
               AND (conrelid::regclass::text IN ({tables}) OR confrelid::regclass::text IN ({tables}))"
        ));
        let keys = rows(&format!(
            "SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint
             WHERE contype IN ('p', 'u') AND connamespace = 'public'::regnamespace
               AND conrelid::regclass::text IN ({tables})"
        ));
        let indexes = rows(&format!(
            "SELECT i.indexrelid::regclass, pg_get_indexdef(i.indexrelid) FROM pg_index i
             WHERE i.indrelid::regclass::text IN ({tables})
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        ));
        let mut set_aside = Vec::new();
        let mut rebuild = Vec::new();
        for f in &foreign {
            set_aside.push(format!("ALTER TABLE {} DROP CONSTRAINT {}", f[0], f[1]));
        }
        for k in &keys {
            set_aside.push(format!("ALTER TABLE {} DROP CONSTRAINT {}", k[0], k[1]));
            rebuild.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {}",
                k[0], k[1], k[2]
            ));
        }
        for i in &indexes {
            set_aside.push(format!("DROP INDEX {}", i[0]));
            rebuild.push(i[1].clone());
        }
        for f in &foreign {
            rebuild.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {}",
                f[0], f[1], f[2]
            ));
        }
        (set_aside, rebuild)
    }

    fn sizes(&self, pg: &Postgres) -> String {
        self.sql(
            pg,
            &format!(
                "SELECT 'database ' || pg_size_pretty(pg_database_size('{}')) || '; certificates '
                        || pg_size_pretty(pg_table_size('certificates')) || ' + indexes '
                        || pg_size_pretty(pg_indexes_size('certificates'))",
                self.db
            ),
        )
        .trim()
        .to_string()
    }

    fn drop_database(self, pg: &Postgres) {
        pg.psql("postgres", &format!("DROP DATABASE {}", self.db))
            .unwrap();
    }

    /// The nightly pass: the RA's own planning (`notify::plan::plan`) and
    /// `notify::run_once` with the outbox senders, on the first night
    /// (nothing recorded) and in the steady state (yesterday's notices
    /// recorded); every statement's plan captured with auto_explain.
    fn nightly_pass(&self, pg: &Postgres, first_night: FirstNight) {
        let notices = Notices::default();
        let schedule = Schedule::from_config(&notices).unwrap();
        println!();
        println!(
            "Nightly notice pass over {} certificates (default offsets: e-mail 30/14/7, SMS 10, push 30/14/10/7/3/1)",
            self.n
        );
        println!(
            "  {:<46} {:>10} {:>10} {:>10} {:>9}",
            "pass", "considered", "due", "sent", "s"
        );
        let url = pg.url(&self.db);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut captured = Vec::new();

        // The first night's planning, nothing recorded yet.
        self.auto_explain(pg, 0, 1.0);
        let mark = pg.log().len();
        let db = open_postgres(pg, &url);
        let t0 = Instant::now();
        let first = notify::plan::plan(&db, &schedule, NOW - DAY).unwrap();
        let first_plan = t0.elapsed();
        pass_row(
            "first night: plan (nothing recorded)",
            first.considered,
            first.due.len(),
            None,
            first_plan,
        );
        drop(db);
        captured.push((
            "first night, plan".to_string(),
            pg.log()[mark..].to_string(),
        ));

        // The first night itself: sent through the RA (outbox), or its
        // records written server-side when that would take too long.
        self.auto_explain(pg, 0, 0.001);
        let mark = pg.log().len();
        let db = open_postgres(pg, &url);
        let senders = notify::Senders::from_config(&Default::default(), db.clone()).unwrap();
        match first_night {
            FirstNight::Send => {
                let t0 = Instant::now();
                let report = runtime
                    .block_on(notify::run_once(&db, &notices, &senders, at(NOW - DAY)))
                    .unwrap();
                pass_row(
                    "first night: run_once, outbox senders",
                    report.considered,
                    report.due,
                    Some(report.sent),
                    t0.elapsed(),
                );
            }
            FirstNight::Record => {
                let t0 = Instant::now();
                let recorded = self.record_first_night(pg, &schedule);
                println!(
                    "  {:<46} {:>10} {:>10} {:>10} {:>9.1}",
                    "first night: records written by SQL",
                    "-",
                    "-",
                    recorded,
                    t0.elapsed().as_secs_f64()
                );
            }
        }
        captured.push(("first night, run".to_string(), pg.log()[mark..].to_string()));
        drop((db, senders));
        // A day later autovacuum has analysed the notices written in one
        // go; without statistics the planner scans all of them per chunk.
        self.sql(pg, "ANALYZE notices");

        // The steady state: tonight, with last night's notices recorded.
        self.auto_explain(pg, 0, 1.0);
        let mark = pg.log().len();
        let db = open_postgres(pg, &url);
        let t0 = Instant::now();
        let steady = notify::plan::plan(&db, &schedule, NOW).unwrap();
        pass_row(
            "steady state: plan",
            steady.considered,
            steady.due.len(),
            None,
            t0.elapsed(),
        );
        drop(db);
        captured.push((
            "steady state, plan".to_string(),
            pg.log()[mark..].to_string(),
        ));
        self.auto_explain(pg, 0, 0.001);
        let mark = pg.log().len();
        let db = open_postgres(pg, &url);
        let senders = notify::Senders::from_config(&Default::default(), db.clone()).unwrap();
        let t0 = Instant::now();
        let report = runtime
            .block_on(notify::run_once(&db, &notices, &senders, at(NOW)))
            .unwrap();
        let steady_run = t0.elapsed();
        pass_row(
            "steady state: run_once, outbox senders",
            report.considered,
            report.due,
            Some(report.sent),
            steady_run,
        );
        println!(
            "  steady state: {:.2} ms per notice sent and recorded; unreachable {}, declined {}, failed {}",
            steady_run.as_secs_f64() * 1e3 / report.sent.max(1) as f64,
            report.unreachable,
            report.declined,
            report.failed
        );
        drop((db, senders));
        self.auto_explain_off(pg);
        captured.push((
            "steady state, run (0.1 % sampled)".to_string(),
            pg.log()[mark..].to_string(),
        ));
        println!();
        println!("Plans of the pass's statements (auto_explain, ANALYZE, BUFFERS):");
        for (pass, log) in &captured {
            print_plans(pass, log);
        }
    }

    /// Write what the first night would have recorded: for every valid
    /// certificate, each offset due by then on each channel its holder can
    /// be reached on (e-mail and SMS as planned, push with a device).
    fn record_first_night(&self, pg: &Postgres, schedule: &Schedule) -> i64 {
        let night = NOW - DAY;
        let offsets: Vec<String> = Channel::ALL
            .iter()
            .flat_map(|&channel| {
                schedule
                    .offsets(channel)
                    .iter()
                    .map(move |d| format!("('{}', {d})", channel.as_str()))
            })
            .collect();
        let out = self.sql(
            pg,
            &format!(
                "WITH recorded AS (
                   INSERT INTO notices (certificate_id, channel, days_before, sent_at)
                   SELECT c.id, o.channel, o.days, {night}
                   FROM certificates c JOIN citizens z ON z.iin = c.iin
                   CROSS JOIN (VALUES {}) o(channel, days)
                   WHERE c.revoked_at IS NULL AND c.replaced_at IS NULL
                     AND c.not_after > {night} AND c.not_after - o.days * {DAY} <= {night}
                     AND CASE o.channel
                           WHEN 'email' THEN z.email IS NOT NULL
                           WHEN 'sms' THEN z.phone IS NOT NULL
                           ELSE EXISTS (SELECT 1 FROM devices d WHERE d.iin = c.iin)
                         END
                   RETURNING 1)
                 SELECT count(*) FROM recorded",
                offsets.join(", ")
            ),
        );
        out.trim().parse().unwrap()
    }

    /// New connections to the database log the plan of every statement
    /// that takes `min_ms` or longer, for a `sample` share of statements.
    fn auto_explain(&self, pg: &Postgres, min_ms: u32, sample: f64) {
        let db = &self.db;
        pg.psql(
            "postgres",
            &format!(
                "ALTER DATABASE {db} SET session_preload_libraries = 'auto_explain';
                 ALTER DATABASE {db} SET auto_explain.log_min_duration = {min_ms};
                 ALTER DATABASE {db} SET auto_explain.sample_rate = {sample};
                 ALTER DATABASE {db} SET auto_explain.log_analyze = on;
                 ALTER DATABASE {db} SET auto_explain.log_buffers = on;
                 ALTER DATABASE {db} SET auto_explain.log_timing = on"
            ),
        )
        .unwrap();
    }

    fn auto_explain_off(&self, pg: &Postgres) {
        pg.psql("postgres", &format!("ALTER DATABASE {} RESET ALL", self.db))
            .unwrap();
    }

    /// The issuance transaction alone (the statements of
    /// `registry::approve_and_issue`'s transaction for a P-256 application:
    /// two certificates of about 1 KB), with pgbench against the national
    /// tables, by 1, 2 and `clients` connections.
    fn issuance_transactions(&self, pg: &Postgres, clients: usize) {
        let citizens = self.n / 2;
        let applications = 100_000.min(citizens);
        // Confirmed applications of random citizens, and the sequences past
        // the loaded ids.
        self.sql(
            pg,
            &format!(
                "INSERT INTO applications (id, iin, state, p7s, email, locality, signer_serial,
                     code_tries_left, created_at, updated_at, storage_claimed, storage)
                 SELECT a, lpad((900000000000 + (a * 7919) % {citizens})::text, 12, '0'), 'confirmed',
                        '\\x3000'::bytea, 't@example.kz', 'Астана', '01', 3, {NOW}, {NOW}, 'file', 'file'
                 FROM generate_series(1::bigint, {applications}) a;
                 SELECT setval(pg_get_serial_sequence('applications', 'id'), {applications});
                 SELECT setval(pg_get_serial_sequence('certificates', 'id'), (SELECT max(id) FROM certificates));"
            ),
        );
        let iin = "lpad((900000000000 + :i)::text, 12, '0')";
        let replace = |purpose: &str| {
            format!(
                "UPDATE certificates SET replaced_at = :now WHERE iin = {iin} AND purpose = '{purpose}' AND replaced_at IS NULL;"
            )
        };
        let insert = |purpose: &str| {
            format!(
                "INSERT INTO certificates (serial, iin, ca, purpose, algorithm, not_before, not_after, der, application_id, storage) \
                 VALUES (upper(md5(random()::text)), {iin}, 'ecdsa', '{purpose}', 'P-256', :now, :now + 31536000, \
                 decode(repeat('30', 1000), 'hex'), :app, 'file');"
            )
        };
        let script = [
            format!("\\set app random(1, {applications})"),
            format!("\\set i (:app * 7919) % {citizens}"),
            format!("\\set now {NOW}"),
            "SELECT iin, state, p7s, storage FROM applications WHERE id = :app;".into(),
            "BEGIN;".into(),
            "SELECT state FROM applications WHERE id = :app;".into(),
            "INSERT INTO audit (at, actor, action, subject, detail) VALUES (:now, 'auto', 'approve', :app, NULL);".into(),
            replace("auth"),
            replace("both"),
            replace("sign"),
            replace("both"),
            insert("auth"),
            insert("sign"),
            "UPDATE applications SET state = 'issued', updated_at = :now WHERE id = :app;".into(),
            "INSERT INTO audit (at, actor, action, subject, detail) VALUES (:now, 'auto', 'issue', :app, '2 certificates, 365 days (file)');".into(),
            "COMMIT;".into(),
        ]
        .join("\n");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("issue.sql");
        std::fs::write(&file, script).unwrap();
        println!();
        println!(
            "The issuance transaction alone (pgbench, {} certificates in the table, 10 s each)",
            self.n
        );
        let mut first = None;
        let mut counts = vec![1, 2, clients];
        counts.dedup();
        for c in counts {
            let tps = pgbench(pg, &self.db, &file, c);
            let base = *first.get_or_insert(tps);
            println!(
                "  {c:>2} connections {tps:>9.1} transactions/s ({:.2} x one connection)",
                tps / base
            );
        }
    }
}

/// How the first night is had: through the RA, or its records by SQL.
#[derive(Clone, Copy)]
enum FirstNight {
    Send,
    Record,
}

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

fn pass_row(label: &str, considered: usize, due: usize, sent: Option<usize>, took: Duration) {
    println!(
        "  {label:<46} {considered:>10} {due:>10} {:>10} {:>9.1}",
        sent.map_or("-".to_string(), |s| s.to_string()),
        took.as_secs_f64()
    );
}

/// One line per distinct statement auto_explain logged: how often, the
/// slowest time, and its plan's nodes; a sequential scan of a table that
/// grows with the population is flagged.
fn print_plans(pass: &str, log: &str) {
    let mut statements: Vec<(String, usize, f64, Vec<String>)> = Vec::new();
    for entry in log.split("LOG:  duration: ").skip(1) {
        let ms: f64 = entry
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        let Some(text) = entry.split("Query Text: ").nth(1) else {
            continue;
        };
        let mut query = Vec::new();
        let mut nodes = Vec::new();
        for line in text.lines() {
            if line.contains("(actual time=") || line.contains("(never executed)") {
                let node = line
                    .trim()
                    .trim_start_matches("->")
                    .split("  (")
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                nodes.push(node);
            } else if nodes.is_empty() {
                query.push(line.trim());
            } else if line.contains(" LOG: ") || line.contains(" ERROR: ") {
                break;
            }
        }
        let query = query
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match statements.iter_mut().find(|s| s.0 == query) {
            Some(s) => {
                s.1 += 1;
                if ms > s.2 {
                    s.2 = ms;
                    s.3 = nodes;
                }
            }
            None => statements.push((query, 1, ms, nodes)),
        }
    }
    println!("  {pass}: {} distinct statements", statements.len());
    for (query, count, ms, nodes) in statements {
        // A sequential scan of a table that grows with the population.
        let seq = nodes.iter().any(|n| {
            ["certificates", "citizens", "notices", "devices", "profiles"]
                .iter()
                .any(|t| {
                    n.ends_with(&format!("Seq Scan on {t}"))
                        || n.contains(&format!("Seq Scan on {t} "))
                })
        });
        println!(
            "    {}{count} x, slowest {ms:.1} ms: {}",
            if seq { "SEQUENTIAL SCAN " } else { "" },
            query.chars().take(160).collect::<String>()
        );
        println!("      plan: {}", nodes.join(" > "));
    }
}

/// pgbench's transactions per second for `script` with `clients`
/// connections over 10 seconds.
fn pgbench(pg: &Postgres, db: &str, script: &Path, clients: usize) -> f64 {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin").join("pgbench"))
        .filter(|p| p.exists())
        .max()
        .expect("pgbench (Debian's postgresql-client)");
    let out = std::process::Command::new(bin)
        .args(["-n", "-M", "prepared", "-T", "10", "-h", "127.0.0.1", "-U"])
        .arg(Postgres::USER)
        .arg("-p")
        .arg(pg.port().to_string())
        .arg("-c")
        .arg(clients.to_string())
        .arg("-j")
        .arg(clients.to_string())
        .arg("-f")
        .arg(script)
        .arg(db)
        .env("PGPASSWORD", pg.password())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pgbench: {}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// The RA's database on PostgreSQL, migrated, as `serve` opens it.
fn open_postgres(pg: &Postgres, url: &str) -> Db {
    Db::open_postgres(qoltanba_ra::db::postgres::Options {
        url: url.to_string(),
        password: Some(zeroize::Zeroizing::new(pg.password().to_string())),
        pool_size: 4,
        tls: None,
        ca_file: None,
    })
    .unwrap()
}
