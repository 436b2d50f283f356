//! The scheduler honours the citizen's profile (`GET/PUT /v1/profile`):
//! e-mail goes to the contact e-mail given in the cabinet, not the
//! registration centre's; a channel switched off gets nothing (counted as
//! declined, not recorded), and switching it on again sends the notice
//! then due.
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

#[path = "notify_fakes.rs"]
mod fakes;

use fakes::{DAY, END, at, certificate, citizen, database, device};
use qoltanba_ra::config::{Notices, Senders as SendersConfig};
use qoltanba_ra::db::Db;
use qoltanba_ra::notify::{self, RunReport, Senders};

const IIN: &str = "900101300001";

async fn run(db: &Db, senders: &Senders, unix: i64) -> RunReport {
    notify::run_once(db, &Notices::default(), senders, at(unix))
        .await
        .unwrap()
}

/// The outbox rows of `channel` as their recipients, oldest first.
fn recipients(db: &Db, channel: &str) -> Vec<String> {
    let conn = db.conn();
    let mut stmt = conn
        .prepare("SELECT recipient FROM outbox WHERE channel = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([channel], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// What `PUT /v1/profile` stores.
fn set_profile(db: &Db, email: Option<&str>, on: (bool, bool, bool)) {
    db.conn()
        .execute(
            "INSERT INTO profiles (iin, contact_email, notify_email, notify_sms, notify_push, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 0)
             ON CONFLICT(iin) DO UPDATE SET contact_email = ?2, notify_email = ?3,
                 notify_sms = ?4, notify_push = ?5",
            qoltanba_ra::params![IIN, email, on.0, on.1, on.2],
        )
        .unwrap();
}

#[tokio::test]
async fn notices_follow_the_contact_email_and_the_chosen_channels() {
    let (_dir, db) = database();
    citizen(&db, IIN, Some("centre@mail.kz"), Some("+77011234567"));
    certificate(&db, 1, IIN, END, "valid");
    device(&db, IIN, "android", "fcm-token-a", "kk-KZ");
    let senders = Senders::from_config(&SendersConfig::default(), db.clone()).unwrap();

    // The cabinet's e-mail; SMS and push off.
    set_profile(&db, Some("cabinet@mail.kz"), (true, false, false));
    let report = run(&db, &senders, END - 30 * DAY).await;
    assert_eq!((report.sent, report.declined), (1, 1), "{report:?}");
    assert_eq!(recipients(&db, "email"), vec!["cabinet@mail.kz"]);
    assert!(recipients(&db, "push").is_empty());

    // At 10 days: the 14-day e-mail goes out (catch-up), the SMS and the
    // push are declined; nothing is recorded for them, so they are due
    // again once switched on.
    let report = run(&db, &senders, END - 10 * DAY).await;
    assert_eq!((report.sent, report.declined), (1, 2), "{report:?}");
    assert!(recipients(&db, "sms").is_empty());
    set_profile(&db, Some("cabinet@mail.kz"), (true, true, true));
    let report = run(&db, &senders, END - 10 * DAY + 60).await;
    assert_eq!((report.sent, report.declined), (2, 0), "{report:?}");
    assert_eq!(recipients(&db, "sms"), vec!["+77011234567"]);
    assert_eq!(recipients(&db, "push"), vec!["android:fcm-token-a"]);

    // E-mail off: the 7-day e-mail is declined. Without a contact e-mail
    // (cleared in the cabinet) e-mail goes to the centre's address again.
    set_profile(&db, None, (false, true, true));
    let report = run(&db, &senders, END - 7 * DAY).await;
    assert_eq!(report.declined, 1, "{report:?}");
    assert_eq!(recipients(&db, "email").len(), 2);
    set_profile(&db, None, (true, true, true));
    let report = run(&db, &senders, END - 7 * DAY + 60).await;
    assert_eq!(report.declined, 0, "{report:?}");
    assert_eq!(
        recipients(&db, "email"),
        vec!["cabinet@mail.kz", "cabinet@mail.kz", "centre@mail.kz"]
    );
}
