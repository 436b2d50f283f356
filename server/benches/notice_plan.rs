//! How long the expiry-notice scheduler takes to plan for a million
//! certificates (`cargo bench -p qoltanba-ra --bench notice_plan`; set
//! NOTICE_BENCH_N for another count). Prints figures; asserts nothing about
//! time.
//!
//! Two populations of N valid certificates, one per holder; half of the
//! holders have an e-mail address, a third a phone number and a quarter a
//! registered Android device:
//! - *spread*: ends spread evenly over the next 365 days, the shape of a
//!   yearly-renewed population; about 8% lie within the 30-day horizon;
//! - *all due*: every end within the next 30 days, the worst case.
//!
//! For each: planning with nothing recorded yet (the first run after a
//! deployment), then with every due notice recorded (every later run, the
//! steady state), and the pure decision rule over N certificates in memory.
//! Finally one real `run_once` with the outbox senders over the spread
//! population, which sends and records every notice due.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::time::Instant;

use qoltanba_ra::config::{Notices, Senders as SendersConfig};
use qoltanba_ra::db::Db;
use qoltanba_ra::db::params;
use qoltanba_ra::notify::plan::{self, DAY, Schedule};
use qoltanba_ra::notify::{self, Channel, Senders};

/// 2030-01-01T00:00:00Z, the pinned "now".
const NOW: i64 = 1_893_456_000;

fn main() {
    let n: i64 = std::env::var("NOTICE_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let schedule = Schedule::from_config(&Notices::default()).expect("default schedule");
    println!(
        "notice_plan: {n} certificates, default offsets (e-mail 30/14/7, SMS 10, push 30/14/10/7/3/1)"
    );
    println!();
    println!(
        "{:<10} {:<24} {:>10} {:>10} {:>10} {:>12}",
        "population", "step", "considered", "due", "ms", "per cert"
    );

    for (name, span_days) in [("spread", 365), ("all due", 30)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(&dir.path().join("ra.db")).expect("database");
        let started = Instant::now();
        populate(&db, n, span_days);
        row(name, "insert (setup)", None, None, started, n);

        let started = Instant::now();
        let cold = plan::plan(&db, &schedule, NOW).expect("plan");
        row(
            name,
            "plan, nothing recorded",
            Some(cold.considered),
            Some(cold.due.len()),
            started,
            n,
        );

        let started = Instant::now();
        record(&db, &cold.due);
        row(name, "record all due (setup)", None, None, started, n);

        let started = Instant::now();
        let steady = plan::plan(&db, &schedule, NOW).expect("plan");
        row(
            name,
            "plan, steady state",
            Some(steady.considered),
            Some(steady.due.len()),
            started,
            n,
        );

        // The rule alone, over N (not_after, done) pairs in memory.
        let offsets = schedule.offsets(Channel::Push);
        let started = Instant::now();
        let mut due = 0usize;
        for i in 0..n {
            let not_after = NOW + 1 + (i * span_days * DAY) / n;
            if plan::decide(offsets, not_after, NOW, 0).is_some() {
                due += 1;
            }
        }
        row(name, "decide() in memory", None, Some(due), started, n);
    }

    // The whole path once: plan, compose, outbox "send", record, audit.
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("ra.db")).expect("database");
    populate(&db, n, 365);
    let senders = Senders::from_config(&SendersConfig::default(), db.clone()).expect("senders");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let now = time::OffsetDateTime::from_unix_timestamp(NOW).expect("time");
    let started = Instant::now();
    let report = runtime
        .block_on(notify::run_once(&db, &Notices::default(), &senders, now))
        .expect("run");
    row(
        "spread",
        "run_once, outbox senders",
        Some(report.considered),
        Some(report.sent),
        started,
        n,
    );
    println!();
    println!(
        "run_once report: {}",
        serde_json::to_string(&report).unwrap_or_default()
    );
}

fn row(
    population: &str,
    step: &str,
    considered: Option<usize>,
    due: Option<usize>,
    started: Instant,
    n: i64,
) {
    let elapsed = started.elapsed();
    let show = |v: Option<usize>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    println!(
        "{:<10} {:<24} {:>10} {:>10} {:>10.1} {:>9.0} ns",
        population,
        step,
        show(considered),
        show(due),
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_nanos() as f64 / n as f64
    );
}

/// N citizens, each with one valid certificate ending within `span_days`.
fn populate(db: &Db, n: i64, span_days: i64) {
    let mut conn = db.conn();
    let tx = conn.transaction().expect("transaction");
    {
        let mut citizen = tx
            .prepare(
                "INSERT INTO citizens (iin, surname, name, patronymic, email, phone, created_at)
                 VALUES (?1, 'Сейітова', 'Айгүл', NULL, ?2, ?3, 0)",
            )
            .expect("prepare");
        let mut device = tx
            .prepare(
                "INSERT INTO devices (iin, platform, token, locale, created_at)
                 VALUES (?1, 'android', ?2, 'ru', 0)",
            )
            .expect("prepare");
        let mut certificate = tx
            .prepare(
                "INSERT INTO certificates (id, serial, iin, ca, purpose, algorithm, not_before,
                     not_after, der, replaced_at, revoked_at)
                 VALUES (?1, ?2, ?3, 'ecdsa', 'sign', 'P-256', ?4, ?5, x'3000', NULL, NULL)",
            )
            .expect("prepare");
        for i in 0..n {
            let iin = format!("{:012}", 900_000_000_000i64 + i);
            let email = (i % 2 == 0).then(|| format!("c{i}@mail.kz"));
            let phone = (i % 3 == 0).then(|| format!("+7701{:07}", i % 10_000_000));
            citizen
                .execute(params![iin, email, phone])
                .expect("citizen");
            if i % 4 == 0 {
                device
                    .execute(params![iin, format!("fcm-token-{i:0>140}")])
                    .expect("device");
            }
            let not_after = NOW + 1 + (i * span_days * DAY) / n;
            certificate
                .execute(params![
                    i + 1,
                    format!("{:016X}", i + 1),
                    iin,
                    not_after - 365 * DAY,
                    not_after
                ])
                .expect("certificate");
        }
    }
    tx.commit().expect("commit");
}

/// Record every due notice and its skipped offsets, as sends would.
fn record(db: &Db, due: &[notify::DueNotice]) {
    let mut conn = db.conn();
    let tx = conn.transaction().expect("transaction");
    {
        let mut insert = tx
            .prepare(
                "INSERT OR IGNORE INTO notices (certificate_id, channel, days_before, sent_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .expect("prepare");
        for notice in due {
            for days in std::iter::once(&notice.days_before).chain(&notice.skipped) {
                insert
                    .execute(params![
                        notice.certificate_id,
                        notice.channel.as_str(),
                        days,
                        NOW
                    ])
                    .expect("notice");
            }
        }
    }
    tx.commit().expect("commit");
}
