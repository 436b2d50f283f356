//! The kill -9 campaign (issue 21): concurrent `qoltanba renew` runs against
//! a real `qoltanba-ra` that is killed with SIGKILL at every named crash
//! point of the flow (server/src/crash.rs, the feature `crash-points` this
//! crate turns on) and at random instants, restarted, and every renewal
//! resumed with `--resume`. Then the invariants, against the RA's database
//! and the CLI's stores: every renewal finished, no application left
//! between states, no duplicate serial, each issued application holds
//! exactly its certificates and the citizen installed exactly those, the
//! audit rows match (submit, confirm, approve, issue once each), and every
//! application's code reached the outbox.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use qoltanba_testkit::ra_process::TestDatabase;
use support::ra::*;
use support::*;

/// One CLI run longer than this is stalled (it polled "waiting for
/// issuance" without end, as a stuck application makes it). Generous: a
/// run takes about a second, but the suite shares two cores.
const RUN_TIMEOUT: Duration = Duration::from_secs(90);
/// A renewal not finished this long after its first run is stuck.
const RENEWAL_DEADLINE: Duration = Duration::from_secs(240);

/// The RA for the campaign: auto-approval (issuance right after the code),
/// a one-second Retry-After, and no login limit (every CLI run logs in
/// again from 127.0.0.1). On SQLite whatever QOLTANBA_TEST_DATABASE says
/// (see [`latest_code`]).
fn crash_ra() -> Ra {
    Ra::start_on(TestDatabase::sqlite(), true, |config| {
        config
            .lines()
            .map(|line| {
                if line.starts_with("retry_after_seconds") {
                    "retry_after_seconds = 1".to_string()
                } else if line.starts_with("logins_per_minute") {
                    "logins_per_minute = 100000".to_string()
                } else if line.starts_with("codes_per_minute") {
                    "codes_per_minute = 100000".to_string()
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// What the campaign saw.
#[derive(Default)]
struct Figures {
    kills: u32,
    point_kills: u32,
    cli_runs: u32,
    stalled_runs: u32,
}

/// A citizen's renewal, driven by the CLI until it is done.
struct Renewal {
    iin: String,
    key: PathBuf,
    db: PathBuf,
    new_dir: PathBuf,
    started: bool,
    done: Option<serde_json::Value>,
    /// The exit and the last line of each run, for the message of a stuck one.
    runs: Vec<String>,
}

impl Renewal {
    fn new(ra: &Ra, seq: u32) -> Renewal {
        let keys = ra.enroll(seq, "gost2015");
        Renewal {
            iin: iin(seq),
            key: keys[0].clone(),
            db: ra.path(&format!("device-{seq}.db")),
            new_dir: ra.path(&format!("new-{seq}")),
            started: false,
            done: None,
            runs: Vec::new(),
        }
    }

    /// One CLI run: the first starts the renewal, later ones `--resume` it
    /// with the code of its application when the outbox has one. Whether
    /// it stalled (killed after [`RUN_TIMEOUT`]).
    fn run(&mut self, home: &Path, ca_cert: &Path, url: &str, pw: (&Path, &Path)) -> bool {
        let mut cmd = Command::new(qoltanba_binary());
        cmd.env_remove("QOLTANBA_PASSWORD")
            .env_remove("QOLTANBA_NEW_PASSWORD")
            .env("QOLTANBA_LANG", "en")
            .env("QOLTANBA_DB", &self.db)
            .args(["--json", "renew", "--confirm", "--server", url, "--ca-cert"])
            .arg(ca_cert)
            .arg("--password-file")
            .arg(pw.0)
            .arg("--new-password-file")
            .arg(pw.1)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.started {
            cmd.arg("--resume");
            if let Some(code) = latest_code(home, &self.iin) {
                cmd.args(["--code", &code]);
            }
        } else {
            cmd.arg("--new-keys-dir")
                .arg(&self.new_dir)
                .arg("--keys")
                .arg(&self.key);
        }
        let mut child = cmd.spawn().unwrap();
        let until = Instant::now() + RUN_TIMEOUT;
        let stalled = loop {
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            if Instant::now() >= until {
                let _ = child.kill();
                break true;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !self.started || stderr.contains("no unfinished renewal") {
            // Killed before its first commit, the renewal does not exist.
            self.started = !stderr.contains("no unfinished renewal");
        }
        if out.status.success() {
            self.done = Some(stdout_json(&out));
        }
        self.runs.push(format!(
            "{:?}{}: {}",
            out.status.code(),
            if stalled { " (stalled)" } else { "" },
            stderr.lines().last().unwrap_or_default()
        ));
        stalled
    }
}

/// The one-time code the outbox holds for citizen `iin`'s newest
/// application, if any.
///
/// SQLite-only, as the whole campaign here: it reads the database while
/// the RA is killed at random instants, which is SQLite's crash story (a
/// PostgreSQL server outlives its clients); qoltanba-ra's crash_recovery
/// runs on both.
fn latest_code(home: &Path, iin: &str) -> Option<String> {
    let conn = rusqlite::Connection::open(home.join("ra.db")).ok()?;
    let number: i64 = conn
        .query_row(
            "SELECT MAX(id) FROM applications WHERE iin = ?1",
            [iin],
            |r| r.get::<_, Option<i64>>(0),
        )
        .ok()??;
    let has_code: bool = conn
        .query_row(
            "SELECT COUNT(*) > 0 FROM outbox WHERE channel = 'sms' AND body LIKE ?1",
            [format!("qoltanba: application {number},%")],
            |r| r.get(0),
        )
        .ok()?;
    has_code.then(|| code_in(home, number))
}

/// Where a CLI run finds the RA's home, its TLS root and the passwords
/// (the RA itself may be down and restarting meanwhile).
struct Paths {
    home: PathBuf,
    ca_cert: PathBuf,
    current: PathBuf,
    new: PathBuf,
}

impl Paths {
    fn of(ra: &Ra) -> Paths {
        Paths {
            home: ra.path("ra"),
            ca_cert: ra.path("ra/tls/ca.pem"),
            current: ra.path("current.pw"),
            new: ra.path("new.pw"),
        }
    }
}

/// Drive `renewals` concurrently (one thread each) until each is done;
/// panics with the application's state on one stuck past the deadline.
fn drive(url: &str, paths: &Paths, renewals: &mut [Renewal], figures: &std::sync::Mutex<Figures>) {
    std::thread::scope(|scope| {
        for renewal in renewals.iter_mut() {
            let Paths {
                home,
                ca_cert,
                current,
                new,
            } = paths;
            let ra_url = url;
            scope.spawn(move || {
                let started = Instant::now();
                while renewal.done.is_none() {
                    assert!(
                        started.elapsed() < RENEWAL_DEADLINE,
                        "the renewal of {} is stuck: {}; its last runs: {:?}",
                        renewal.iin,
                        application_states(home, &renewal.iin),
                        &renewal.runs[renewal.runs.len().saturating_sub(3)..]
                    );
                    let stalled = renewal.run(home, ca_cert, ra_url, (current, new));
                    let mut f = figures.lock().unwrap();
                    f.cli_runs += 1;
                    f.stalled_runs += u32::from(stalled);
                    drop(f);
                    if renewal.done.is_none() {
                        // The RA is down or restarting.
                        std::thread::sleep(Duration::from_millis(150));
                    }
                }
            });
        }
    });
}

fn application_states(home: &Path, iin: &str) -> String {
    let conn = rusqlite::Connection::open(home.join("ra.db")).unwrap();
    let mut stmt = conn
        .prepare("SELECT id, state FROM applications WHERE iin = ?1 ORDER BY id")
        .unwrap();
    let rows: Vec<(i64, String)> = stmt
        .query_map([iin], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    format!("applications {rows:?}")
}

/// The invariants over every renewal of the campaign.
fn check_invariants(ra: &Ra, renewals: &[Renewal]) {
    let conn = rusqlite::Connection::open(ra.path("ra/ra.db")).unwrap();
    let duplicates: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM (SELECT serial FROM certificates GROUP BY serial HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(duplicates, 0, "duplicate serials");
    for renewal in renewals {
        let done = renewal.done.as_ref().unwrap();
        let mut stmt = conn
            .prepare("SELECT id, state FROM applications WHERE iin = ?1")
            .unwrap();
        let applications: Vec<(i64, String)> = stmt
            .query_map([&renewal.iin], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            applications.len(),
            1,
            "{}: one renewal, one application: {applications:?}",
            renewal.iin
        );
        let (number, state) = &applications[0];
        assert_eq!(state, "issued", "{}: {applications:?}", renewal.iin);
        // Exactly its certificates: one GOST key, one certificate, and the
        // one the citizen installed.
        let serials: Vec<String> = conn
            .prepare("SELECT serial FROM certificates WHERE application_id = ?1")
            .unwrap()
            .query_map([number], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let installed: Vec<String> = done["summary"]["new"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["serial"].as_str().unwrap().to_uppercase())
            .collect();
        assert_eq!(serials.len(), 1, "application {number}: {serials:?}");
        assert_eq!(
            installed, serials,
            "application {number}: installed what was issued"
        );
        let files = std::fs::read_dir(&renewal.new_dir).unwrap().count();
        assert_eq!(files, 1, "application {number}: one new key file");
        // The audit: each step once.
        for action in ["submit", "confirm", "approve", "issue"] {
            let rows: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM audit WHERE action = ?1 AND subject = ?2",
                    rusqlite::params![action, number.to_string()],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(rows, 1, "application {number}: audit rows '{action}'");
        }
        // The code reached the outbox.
        assert!(
            latest_code(&ra.path("ra"), &renewal.iin).is_some(),
            "application {number}: its code was lost"
        );
        let status = qoltanba()
            .env("QOLTANBA_DB", &renewal.db)
            .args(["--json", "status"])
            .assert()
            .success()
            .get_output()
            .clone();
        assert_eq!(stdout_json(&status)["latest_renewal"]["step"], "done");
    }
}

/// A small xorshift: random instants, reproducible from the printed seed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn kill_9_at_every_step_and_at_random_instants_loses_nothing() {
    let started = Instant::now();
    let mut ra = crash_ra();
    let figures = std::sync::Mutex::new(Figures::default());
    let paths = Paths::of(&ra);
    let mut all = Vec::new();
    let mut seq = 700;

    // At every named step: two concurrent renewals; the first to reach
    // the point kills the RA; restarted without it, both resume to done.
    // At "submit-committed" the code's delivery is recorded but not yet
    // sent: the restarted RA sends it (a fresh code) on start.
    for point in qoltanba_ra::crash::POINTS {
        ra.kill();
        ra.restart(&[("QOLTANBA_RA_CRASH_AT", point)]);
        let mut renewals: Vec<Renewal> = (0..2)
            .map(|_| {
                seq += 1;
                Renewal::new(&ra, seq)
            })
            .collect();
        let url = ra.url.clone();
        // The renewals run until the RA dies at the point (they fail
        // there and wait), then go on against the restarted RA.
        let killed = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let ra = &mut ra;
            let killed = &killed;
            let figures = &figures;
            let watcher = scope.spawn(move || {
                let status = ra.ended_within(RENEWAL_DEADLINE);
                assert!(status.is_some(), "the RA never reached crash point {point}");
                use std::os::unix::process::ExitStatusExt;
                assert_eq!(
                    status.unwrap().signal(),
                    Some(9),
                    "{point}: killed by SIGKILL"
                );
                killed.store(true, Ordering::SeqCst);
                ra.restart(&[]);
                let mut f = figures.lock().unwrap();
                f.kills += 1;
                f.point_kills += 1;
            });
            // The port stays the same across restarts, so does the URL.
            drive(&url, &paths, &mut renewals, figures);
            watcher.join().unwrap();
        });
        assert!(killed.load(Ordering::SeqCst));
        all.extend(renewals);
    }

    // At random instants: four concurrent renewals while the RA is killed
    // every 0.1-1.2 s and restarted, then resumed to the end.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("random kills: seed {seed}");
    let mut random = Random(seed);
    let mut renewals: Vec<Renewal> = (0..4)
        .map(|_| {
            seq += 1;
            Renewal::new(&ra, seq)
        })
        .collect();
    let running = AtomicBool::new(true);
    let url = ra.url.clone();
    std::thread::scope(|scope| {
        let (running, figures, ra_ref) = (&running, &figures, &mut ra);
        scope.spawn(move || {
            while running.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100 + random.below(1100)));
                if !running.load(Ordering::SeqCst) {
                    break;
                }
                ra_ref.kill();
                figures.lock().unwrap().kills += 1;
                ra_ref.restart(&[]);
            }
        });
        drive(&url, &paths, &mut renewals, figures);
        running.store(false, Ordering::SeqCst);
    });
    all.extend(renewals);

    check_invariants(&ra, &all);
    let f = figures.into_inner().unwrap();
    println!(
        "kill -9 campaign: {} kills ({} at named points), {} renewals, {} CLI runs ({} stalled), {:.1} s",
        f.kills,
        f.point_kills,
        all.len(),
        f.cli_runs,
        f.stalled_runs,
        started.elapsed().as_secs_f64()
    );
}
