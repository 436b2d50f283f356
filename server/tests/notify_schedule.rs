//! The expiry-notice scheduler with a pinned clock: exactly the right
//! notices at each instant, each once, across a restart; nothing for
//! revoked, replaced or expired certificates; no e-mail or SMS without an
//! address; the catch-up rule after downtime; failed sends retried.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

#[path = "notify_fakes.rs"]
mod fakes;

use qoltanba_ra::db::params;
use std::collections::BTreeSet;

use fakes::{DAY, END, HttpFake, at, certificate, citizen, database, device};
use qoltanba_ra::config::{Notices, Senders as SendersConfig, SmsGatewayConfig};
use qoltanba_ra::db::Db;
use qoltanba_ra::notify::{self, RunReport, Senders};

type Notice = (String, String, i64);

/// Days before the end, the notices that become due then, and the outbox
/// rows added as (email, sms, push).
type Step = (i64, Vec<Notice>, (i64, i64, i64));

/// The notices table as (serial, channel, days_before).
fn notices(db: &Db) -> BTreeSet<Notice> {
    let conn = db.conn();
    let mut stmt = conn
        .prepare(
            "SELECT c.serial, n.channel, n.days_before
             FROM notices n JOIN certificates c ON c.id = n.certificate_id",
        )
        .unwrap();
    stmt.query_map(params![], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn count(db: &Db, sql: &str) -> i64 {
    db.conn().query_row(sql, params![], |r| r.get(0)).unwrap()
}

/// Outbox rows per channel: (email, sms, push).
fn outbox_counts(db: &Db) -> (i64, i64, i64) {
    (
        count(db, "SELECT count(*) FROM outbox WHERE channel = 'email'"),
        count(db, "SELECT count(*) FROM outbox WHERE channel = 'sms'"),
        count(db, "SELECT count(*) FROM outbox WHERE channel = 'push'"),
    )
}

fn n(serial: &str, channel: &str, days: i64) -> Notice {
    (serial.to_owned(), channel.to_owned(), days)
}

/// Citizen A (e-mail, phone, an Android and an iPhone) holds a valid, a
/// revoked, a replaced and an expired certificate; citizen B (no e-mail,
/// no phone, one Android) holds one valid certificate.
fn population(db: &Db) {
    citizen(
        db,
        "900101300001",
        Some("aigul@mail.kz"),
        Some("+77011234567"),
    );
    citizen(db, "900101300002", None, None);
    certificate(db, 1, "900101300001", END, "valid");
    certificate(db, 2, "900101300002", END, "valid");
    certificate(db, 3, "900101300001", END, "revoked");
    certificate(db, 4, "900101300001", END, "replaced");
    certificate(db, 5, "900101300001", END - 40 * DAY, "valid");
    device(db, "900101300001", "android", "fcm-token-a", "kk-KZ");
    device(db, "900101300001", "ios", "abcdef0123456789", "ru");
    device(db, "900101300002", "android", "fcm-token-b", "en");
}

async fn run(db: &Db, senders: &Senders, unix: i64) -> RunReport {
    notify::run_once(db, &Notices::default(), senders, at(unix))
        .await
        .unwrap()
}

#[tokio::test]
async fn exactly_the_right_notices_once_across_a_restart() {
    let (dir, mut db) = database();
    population(&db);
    let mut senders = Senders::from_config(&SendersConfig::default(), db.clone()).unwrap();
    let (a, b) = ("5E0001", "5E0002");

    // (days before the end, notices that become due, outbox rows added as
    // (email, sms, push): A's push goes to two devices, B's to one).
    let steps: Vec<Step> = vec![
        (31, vec![], (0, 0, 0)),
        (
            30,
            vec![n(a, "email", 30), n(a, "push", 30), n(b, "push", 30)],
            (1, 0, 3),
        ),
        (29, vec![], (0, 0, 0)),
        (
            14,
            vec![n(a, "email", 14), n(a, "push", 14), n(b, "push", 14)],
            (1, 0, 3),
        ),
        (
            10,
            vec![n(a, "sms", 10), n(a, "push", 10), n(b, "push", 10)],
            (0, 1, 3),
        ),
        (
            7,
            vec![n(a, "email", 7), n(a, "push", 7), n(b, "push", 7)],
            (1, 0, 3),
        ),
        (3, vec![n(a, "push", 3), n(b, "push", 3)], (0, 0, 3)),
        (1, vec![n(a, "push", 1), n(b, "push", 1)], (0, 0, 3)),
        (0, vec![], (0, 0, 0)),
        (-1, vec![], (0, 0, 0)),
    ];
    let mut expected = BTreeSet::new();
    for (days, new, added) in steps {
        let now = END - days * DAY;
        let before = outbox_counts(&db);
        let report = run(&db, &senders, now).await;
        assert_eq!(report.sent, new.len(), "{days} days before: {report:?}");
        assert_eq!(
            (report.failed, report.skipped),
            (0, 0),
            "{days}: {report:?}"
        );
        expected.extend(new);
        assert_eq!(notices(&db), expected, "{days} days before");
        let after = outbox_counts(&db);
        assert_eq!(
            (after.0 - before.0, after.1 - before.1, after.2 - before.2),
            added,
            "outbox rows added {days} days before"
        );

        // The same instant again, and again after a restart (every handle
        // dropped, the database and the senders opened afresh): nothing new.
        let again = run(&db, &senders, now).await;
        assert_eq!(again.sent, 0, "{days} days before, second run: {again:?}");
        drop(senders);
        drop(db);
        db = dir.open();
        senders = Senders::from_config(&SendersConfig::default(), db.clone()).unwrap();
        let restarted = run(&db, &senders, now).await;
        assert_eq!(
            restarted.sent, 0,
            "{days} days, after restart: {restarted:?}"
        );
        assert_eq!(notices(&db), expected);
        assert_eq!(outbox_counts(&db), after);
    }
    // One audit row per notice sent, by the scheduler.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit WHERE actor = 'scheduler' AND action = 'notice.sent'"
        ),
        expected.len() as i64
    );
}

#[tokio::test]
async fn after_downtime_only_the_most_urgent_notice_goes_out() {
    let (_dir, db) = database();
    population(&db);
    let senders = Senders::from_config(&SendersConfig::default(), db.clone()).unwrap();
    let (a, b) = ("5E0001", "5E0002");
    // First run ever 6 days before the end: e-mail 30 and 14, push 30, 14
    // and 10 are overdue; only e-mail 7, SMS 10 and push 7 are sent.
    let report = run(&db, &senders, END - 6 * DAY).await;
    assert_eq!(report.sent, 4, "{report:?}");
    assert_eq!(report.skipped, 2 + 3 + 3, "{report:?}");
    assert_eq!(outbox_counts(&db), (1, 1, 3));
    let body: String = db
        .conn()
        .query_row(
            "SELECT body FROM outbox WHERE channel = 'email'",
            params![],
            |r| r.get(0),
        )
        .unwrap();
    assert!(body.contains(a) && body.contains("qoltanba"), "{body}");
    let mut expected = BTreeSet::new();
    for days in [30, 14, 7] {
        expected.insert(n(a, "email", days));
    }
    expected.insert(n(a, "sms", 10));
    for serial in [a, b] {
        for days in [30, 14, 10, 7] {
            expected.insert(n(serial, "push", days));
        }
    }
    assert_eq!(notices(&db), expected);
    let detail: String = db
        .conn()
        .query_row(
            "SELECT detail FROM audit WHERE subject = ?1 AND detail LIKE 'email%'",
            [a],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        detail,
        "email 7 days before to a***@mail.kz; skipped 30, 14"
    );
    // The schedule goes on normally: push 3 days before, nothing else.
    let report = run(&db, &senders, END - 3 * DAY).await;
    assert_eq!((report.sent, report.skipped), (2, 0), "{report:?}");
}

#[tokio::test]
async fn a_reissue_or_revocation_stops_the_notices() {
    let (_dir, db) = database();
    population(&db);
    let senders = Senders::from_config(&SendersConfig::default(), db.clone()).unwrap();
    assert_eq!(run(&db, &senders, END - 30 * DAY).await.sent, 3);
    db.conn()
        .execute(
            "UPDATE certificates SET replaced_at = ?1 WHERE id = 1",
            [END - 20 * DAY],
        )
        .unwrap();
    db.conn()
        .execute(
            "UPDATE certificates SET revoked_at = ?1 WHERE id = 2",
            [END - 20 * DAY],
        )
        .unwrap();
    for days in [14, 10, 7, 3, 1] {
        let report = run(&db, &senders, END - days * DAY).await;
        assert_eq!(
            (report.sent, report.considered),
            (0, 0),
            "{days}: {report:?}"
        );
    }
    assert_eq!(notices(&db).len(), 3);
}

#[tokio::test]
async fn a_failed_send_is_not_recorded_and_is_retried_next_run() {
    let (_dir, db) = database();
    population(&db);
    let gateway = HttpFake::start().unwrap();
    gateway.answer(500, r#"{"error":"down"}"#);
    let config = SendersConfig {
        sms: Some(SmsGatewayConfig {
            url: format!("{}/send", gateway.url()),
        }),
        ..SendersConfig::default()
    };
    let senders = Senders::from_config(&config, db.clone()).unwrap();
    let now = END - 10 * DAY;
    let report = run(&db, &senders, now).await;
    // E-mail and push (outbox) went out (catching up); the SMS failed and
    // is not recorded.
    assert_eq!((report.sent, report.failed), (3, 1), "{report:?}");
    assert!(!notices(&db).contains(&n("5E0001", "sms", 10)));
    // Still down an hour later: tried again, still not recorded.
    let report = run(&db, &senders, now + 3600).await;
    assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
    gateway.answer(200, r#"{"id":"m-1"}"#);
    let report = run(&db, &senders, now + 7200).await;
    assert_eq!((report.sent, report.failed), (1, 0), "{report:?}");
    assert!(notices(&db).contains(&n("5E0001", "sms", 10)));
    let report = run(&db, &senders, now + 10800).await;
    assert_eq!((report.sent, report.failed), (0, 0), "{report:?}");

    let requests = gateway.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/send")
        );
        assert_eq!(
            request.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        let body = request.json();
        assert_eq!(body["to"], "+77011234567");
        assert!(body["text"].as_str().unwrap().contains("5E0001"), "{body}");
    }
    // The gateway, not the outbox, carried the SMS.
    assert_eq!(outbox_counts(&db).1, 0);
}

#[tokio::test]
async fn the_outbox_lists_newest_first() {
    let (_dir, db) = database();
    population(&db);
    let senders = Senders::from_config(&SendersConfig::default(), db.clone()).unwrap();
    run(&db, &senders, END - 30 * DAY).await;
    let all = notify::outbox(&db, 100).unwrap();
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));
    assert_eq!(all[0].created_at, "2029-12-02T00:00:00Z");
    let email = all.iter().find(|e| e.channel == "email").unwrap();
    assert_eq!(email.recipient, "aigul@mail.kz");
    assert!(
        email
            .subject
            .as_deref()
            .unwrap()
            .contains("01.01.2030 05:00")
    );
    assert!(email.body.contains("Айгүл Серікқызы"), "{}", email.body);
    let recipients: BTreeSet<&str> = all
        .iter()
        .filter(|e| e.channel == "push")
        .map(|e| e.recipient.as_str())
        .collect();
    assert_eq!(
        recipients,
        BTreeSet::from([
            "android:fcm-token-a",
            "android:fcm-token-b",
            "ios:abcdef0123456789"
        ])
    );
    assert_eq!(notify::outbox(&db, 1).unwrap().len(), 1);
    assert_eq!(notify::outbox(&db, 0).unwrap().len(), 0);
    let json = serde_json::to_value(&all[0]).unwrap();
    for key in [
        "id",
        "channel",
        "recipient",
        "subject",
        "body",
        "created_at",
    ] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
}

#[tokio::test]
async fn configuration_mistakes_are_one_line_errors() {
    let (_dir, db) = database();
    let notices = Notices {
        push_days: (1..=65).collect(),
        ..Notices::default()
    };
    let senders = Senders::from_config(&SendersConfig::default(), db.clone()).unwrap();
    let err = notify::run_once(&db, &notices, &senders, at(END))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("notices.push_days") && !err.contains('\n'),
        "{err}"
    );
    let config = SendersConfig {
        sms: Some(SmsGatewayConfig {
            url: "ftp://gateway".into(),
        }),
        ..SendersConfig::default()
    };
    let err = Senders::from_config(&config, db.clone())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("senders.sms.url") && !err.contains('\n'),
        "{err}"
    );
}

#[tokio::test]
async fn run_forever_sends_by_the_real_clock() {
    let (_dir, db) = database();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    citizen(&db, "900101300001", Some("aigul@mail.kz"), None);
    certificate(&db, 1, "900101300001", now + 29 * DAY, "valid");
    let senders = Senders::from_config(&SendersConfig::default(), db.clone()).unwrap();
    let every_second = Notices {
        interval_seconds: 1,
        ..Notices::default()
    };
    let task = tokio::spawn(notify::run_forever(db.clone(), every_second, senders));
    let mut seen = BTreeSet::new();
    for _ in 0..100 {
        seen = notices(&db);
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A few more runs pass: still the one e-mail.
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    task.abort();
    assert_eq!(seen, BTreeSet::from([n("5E0001", "email", 30)]));
    assert_eq!(notices(&db), seen);
    assert_eq!(outbox_counts(&db), (1, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_runs_through_cloned_senders_send_once() {
    let (_dir, db) = database();
    population(&db);
    let senders = Senders::from_config(&SendersConfig::default(), db.clone()).unwrap();
    let (first, second) = (senders.clone(), senders.clone());
    let notices = Notices::default();
    let (a, b) = tokio::join!(
        notify::run_once(&db, &notices, &first, at(END - 30 * DAY)),
        notify::run_once(&db, &notices, &second, at(END - 30 * DAY)),
    );
    assert_eq!(a.unwrap().sent + b.unwrap().sent, 3);
    assert_eq!(outbox_counts(&db), (1, 0, 3));
}
