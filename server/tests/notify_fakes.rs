//! Shared by the notify tests (`#[path = "notify_fakes.rs"] mod fakes;`):
//! the local HTTP/1.1 fake (testkit's, re-exported) and a temporary
//! database with the citizens, certificates and devices the tests talk
//! about.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use qoltanba_ra::db::Db;
use qoltanba_ra::db::params;

#[allow(unused_imports)] // not every test that includes this file talks HTTP
pub use qoltanba_testkit::http_fake::HttpFake;

/// The end of every test certificate: 2030-01-01T00:00:00Z.
pub const END: i64 = 1_893_456_000;
pub const DAY: i64 = 86_400;

/// A temporary directory and the test's database (SQLite in it, or
/// PostgreSQL under QOLTANBA_TEST_DATABASE), kept as long as this value.
pub struct Scratch {
    dir: tempfile::TempDir,
    database: qoltanba_testkit::postgres::TestDatabase,
}

impl Scratch {
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The database opened afresh (as after a restart).
    pub fn open(&self) -> Db {
        self.database.open(self.dir.path())
    }
}

/// A temporary database (kept alive by the returned [`Scratch`]).
pub fn database() -> (Scratch, Db) {
    let scratch = Scratch {
        dir: tempfile::tempdir().unwrap(),
        database: qoltanba_testkit::postgres::TestDatabase::from_env(),
    };
    let db = scratch.open();
    (scratch, db)
}

pub fn citizen(db: &Db, iin: &str, email: Option<&str>, phone: Option<&str>) {
    db.conn()
        .execute(
            "INSERT INTO citizens (iin, surname, name, patronymic, email, phone, created_at)
             VALUES (?1, 'Сейітова', 'Айгүл', 'Серікқызы', ?2, ?3, 0)",
            params![iin, email, phone],
        )
        .unwrap();
}

/// A certificate; `state` is "valid", "revoked" or "replaced".
pub fn certificate(db: &Db, id: i64, iin: &str, not_after: i64, state: &str) {
    let (replaced, revoked) = match state {
        "valid" => (None, None),
        "revoked" => (None, Some(END - 100 * DAY)),
        "replaced" => (Some(END - 100 * DAY), None),
        other => panic!("unknown state {other}"),
    };
    db.conn()
        .execute(
            "INSERT INTO certificates (id, serial, iin, ca, purpose, algorithm, not_before,
                 not_after, der, replaced_at, revoked_at)
             VALUES (?1, ?2, ?3, 'ecdsa', 'sign', 'P-256', ?4, ?5, ?8, ?6, ?7)",
            params![
                id,
                format!("5E{id:04X}"),
                iin,
                not_after - 365 * DAY,
                not_after,
                replaced,
                revoked,
                vec![0x30u8, 0]
            ],
        )
        .unwrap();
}

pub fn device(db: &Db, iin: &str, platform: &str, token: &str, locale: &str) {
    db.conn()
        .execute(
            "INSERT INTO devices (iin, platform, token, locale, created_at)
             VALUES (?1, ?2, ?3, ?4, 0)",
            params![iin, platform, token, locale],
        )
        .unwrap();
}

pub fn at(unix: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix).unwrap()
}
