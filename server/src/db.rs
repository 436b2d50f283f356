//! The server's SQLite database: one file in its home, WAL mode, schema
//! migrations by `PRAGMA user_version`.
//!
//! Times are Unix seconds (UTC). Every state change also writes an `audit`
//! row in the same transaction.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

/// Each entry moves the schema one version up; never edit a shipped one.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE citizens (
        iin          TEXT PRIMARY KEY,
        surname      TEXT NOT NULL,
        name         TEXT NOT NULL,
        patronymic   TEXT,
        email        TEXT,
        phone        TEXT,
        created_at   INTEGER NOT NULL
    );
    CREATE TABLE certificates (
        id             INTEGER PRIMARY KEY,
        serial         TEXT NOT NULL UNIQUE,      -- hex, upper case
        iin            TEXT NOT NULL REFERENCES citizens(iin),
        ca             TEXT NOT NULL,             -- rsa | ecdsa | gost
        purpose        TEXT NOT NULL,             -- auth | sign | both
        algorithm      TEXT NOT NULL,             -- e.g. GOST2015-512
        not_before     INTEGER NOT NULL,
        not_after      INTEGER NOT NULL,
        der            BLOB NOT NULL,
        application_id INTEGER REFERENCES applications(id),
        replaced_at    INTEGER,                   -- a reissue issued its successor
        revoked_at     INTEGER,
        revocation_reason INTEGER
    );
    CREATE INDEX certificates_iin ON certificates(iin);
    CREATE INDEX certificates_not_after ON certificates(not_after);
    CREATE TABLE applications (
        id              INTEGER PRIMARY KEY,
        iin             TEXT NOT NULL REFERENCES citizens(iin),
        state           TEXT NOT NULL,            -- awaiting_code | locked | confirmed | approved | issued | rejected
        p7s             BLOB NOT NULL,
        email           TEXT NOT NULL,
        locality        TEXT NOT NULL,
        signer_serial   TEXT NOT NULL,
        idempotency_key TEXT,
        code_hash       BLOB,
        code_expires_at INTEGER,
        code_tries_left INTEGER NOT NULL,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        UNIQUE (iin, idempotency_key)
    );
    CREATE TABLE challenges (
        nonce       TEXT PRIMARY KEY,
        expires_at  INTEGER NOT NULL,
        used        INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sessions (
        token_hash  BLOB PRIMARY KEY,
        iin         TEXT NOT NULL,
        expires_at  INTEGER NOT NULL
    );
    CREATE TABLE devices (
        id          INTEGER PRIMARY KEY,
        iin         TEXT NOT NULL REFERENCES citizens(iin),
        platform    TEXT NOT NULL,                -- android | ios
        token       TEXT NOT NULL,
        locale      TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        UNIQUE (platform, token)
    );
    CREATE TABLE notices (
        certificate_id INTEGER NOT NULL REFERENCES certificates(id),
        channel        TEXT NOT NULL,             -- email | sms | push
        days_before    INTEGER NOT NULL,
        sent_at        INTEGER NOT NULL,
        PRIMARY KEY (certificate_id, channel, days_before)
    );
    CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY,
        channel     TEXT NOT NULL,                -- email | sms | push
        recipient   TEXT NOT NULL,
        subject     TEXT,
        body        TEXT NOT NULL,
        created_at  INTEGER NOT NULL
    );
    CREATE TABLE crl_numbers (
        ca          TEXT PRIMARY KEY,
        next        INTEGER NOT NULL
    );
    CREATE TABLE audit (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        actor       TEXT NOT NULL,                -- an IIN, "operator" or "scheduler"
        action      TEXT NOT NULL,
        subject     TEXT NOT NULL,
        detail      TEXT
    );
    "#,
    // 2: the scheduler finds a citizen's devices by IIN.
    "CREATE INDEX devices_iin ON devices(iin);",
    // 3: Android key attestation. The nonces of successful logins, so an
    // attestation challenge can be matched to a recent login of the same
    // citizen; and the per-key result recorded on each application.
    r#"
    CREATE TABLE login_nonces (
        iin          TEXT NOT NULL,
        nonce        TEXT NOT NULL,               -- as handed out, base64url
        logged_in_at INTEGER NOT NULL,
        PRIMARY KEY (iin, nonce)
    );
    CREATE INDEX login_nonces_logged_in_at ON login_nonces(logged_in_at);
    -- JSON: one object per key request, in order (NULL before schema 3).
    ALTER TABLE applications ADD COLUMN attestation TEXT;
    "#,
    // 4: validity by storage, and the citizen's profile. Where each
    // certificate's keys live as the RA established it (a StorageKind
    // token; NULL for certificates issued before schema 4), what each
    // application claimed and what the RA established; the contact e-mail
    // and notice channels the citizen chose in the cabinet.
    r#"
    ALTER TABLE certificates ADD COLUMN storage TEXT;
    ALTER TABLE applications ADD COLUMN storage_claimed TEXT;
    ALTER TABLE applications ADD COLUMN storage TEXT;
    CREATE TABLE profiles (
        iin            TEXT PRIMARY KEY REFERENCES citizens(iin),
        contact_email  TEXT,
        notify_email   INTEGER NOT NULL DEFAULT 1,
        notify_sms     INTEGER NOT NULL DEFAULT 1,
        notify_push    INTEGER NOT NULL DEFAULT 1,
        updated_at     INTEGER NOT NULL
    );
    "#,
    // 5: the delivery of each application's one-time code, so that a failed
    // SMS is retried (with backoff, also after a restart) instead of lost.
    // The code itself is not kept: every attempt sends a fresh one and
    // replaces the application's code_hash in the transaction that claims
    // the attempt (notify::code_delivery).
    r#"
    CREATE TABLE code_deliveries (
        application_id  INTEGER PRIMARY KEY REFERENCES applications(id),
        phone           TEXT NOT NULL,
        state           TEXT NOT NULL,            -- pending | sent | failed
        attempts        INTEGER NOT NULL,         -- of the current code (a resend restarts at 1)
        claim           INTEGER NOT NULL,         -- bumped by every attempt; a stale outcome is ignored
        in_flight       INTEGER NOT NULL,         -- 1 while an attempt is out (a crash leaves 1)
        next_attempt_at INTEGER,                  -- while pending
        last_error      TEXT,                     -- why the last attempt failed (no code, no number)
        updated_at      INTEGER NOT NULL
    );
    CREATE INDEX code_deliveries_due ON code_deliveries(state, next_attempt_at);
    "#,
    // 6: several API nodes on one database (docs/operations.md, section 3):
    // nothing that matters lives in one process. The secrets every node
    // shares (the login challenges' HMAC key), the rate-limit windows, the
    // leases on expiry notices being sent, and which node holds an
    // in-flight code delivery, and the published CRLs.
    r#"
    CREATE TABLE server_secrets (
        name        TEXT PRIMARY KEY,
        value       BLOB NOT NULL,
        created_at  INTEGER NOT NULL
    );
    CREATE TABLE rate_windows (
        bucket       TEXT NOT NULL,             -- challenge | login | login-iin | code | submit | code-resend
        subject      TEXT NOT NULL,             -- a client address or an IIN
        window_start INTEGER NOT NULL,          -- Unix seconds, a multiple of the window
        hits         INTEGER NOT NULL,
        PRIMARY KEY (bucket, subject, window_start)
    );
    CREATE INDEX rate_windows_start ON rate_windows(window_start);
    CREATE TABLE notice_leases (
        certificate_id INTEGER NOT NULL REFERENCES certificates(id),
        channel        TEXT NOT NULL,
        days_before    INTEGER NOT NULL,
        holder         TEXT NOT NULL,           -- the scheduler run sending it
        expires_at     INTEGER NOT NULL,        -- then another node may take it over
        PRIMARY KEY (certificate_id, channel, days_before)
    );
    ALTER TABLE code_deliveries ADD COLUMN holder TEXT;
    -- The CRL each CA publishes, so every node serves the newest one (a
    -- revocation through one node is on all nodes' CRLs at once).
    CREATE TABLE crls (
        ca          TEXT PRIMARY KEY,
        number      INTEGER NOT NULL,
        next_update INTEGER NOT NULL,
        der         BLOB NOT NULL
    );
    "#,
];

/// The database, shared by the server's tasks. rusqlite connections are not
/// `Sync`, and SQLite serialises writers anyway, so one connection behind a
/// mutex is the honest model; every use is a short transaction.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database {path} cannot be opened: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "the database is newer (schema {found}) than this server (schema {known}); upgrade qoltanba-ra"
    )]
    TooNew { found: i64, known: i64 },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

impl Db {
    /// Open (creating if needed) and migrate the database at `path`.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let conn = Connection::open(path).map_err(|source| DbError::Open {
            path: path.display().to_string(),
            source,
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// The connection, for one short unit of work.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (the
        // transaction rolls back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn migrate(conn: &Connection) -> Result<(), DbError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(DbError::TooNew {
            found: version,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Record a state change.
pub fn audit(
    conn: &Connection,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, actor, action, subject, detail],
    )?;
    Ok(())
}

/// A citizen as the registration centre recorded them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Citizen {
    pub iin: String,
    pub surname: String,
    pub name: String,
    pub patronymic: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

pub fn citizen(conn: &Connection, iin: &str) -> rusqlite::Result<Option<Citizen>> {
    conn.query_row(
        "SELECT iin, surname, name, patronymic, email, phone FROM citizens WHERE iin = ?1",
        [iin],
        |r| {
            Ok(Citizen {
                iin: r.get(0)?,
                surname: r.get(1)?,
                name: r.get(2)?,
                patronymic: r.get(3)?,
                email: r.get(4)?,
                phone: r.get(5)?,
            })
        },
    )
    .optional()
}

/// Column `index` of `row`, a text token read back into its type with the
/// type's own `from_token` (the database keeps the wire tokens as text, e.g.
/// `Purpose::from_token`, `ApplicationState::from_token`). A token the type
/// does not know is a conversion error naming it.
pub fn token_column<T>(
    row: &rusqlite::Row<'_>,
    index: usize,
    from_token: fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    from_token(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("unknown token {text:?}").into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ra.db");
        Db::open(&path).unwrap();
        // Opening again is a no-op.
        let db = Db::open(&path).unwrap();
        let version: i64 = db
            .lock()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        db.lock().pragma_update(None, "user_version", 99).unwrap();
        drop(db);
        assert!(matches!(
            Db::open(&path),
            Err(DbError::TooNew { found: 99, .. })
        ));
    }

    #[test]
    fn a_schema_2_database_gains_login_nonces_and_the_attestation_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ra.db");
        {
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..2] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 2).unwrap();
            conn.execute_batch(
                "INSERT INTO citizens (iin, surname, name, created_at) VALUES ('900101300017', 'A', 'B', 0);
                 INSERT INTO applications (iin, state, p7s, email, locality, signer_serial,
                     code_tries_left, created_at, updated_at)
                 VALUES ('900101300017', 'issued', x'00', 'a@b.kz', 'Astana', '01', 3, 0, 0);",
            )
            .unwrap();
        }
        let db = Db::open(&path).unwrap();
        let conn = db.lock();
        let attestation: Option<String> = conn
            .query_row("SELECT attestation FROM applications", [], |r| r.get(0))
            .unwrap();
        assert_eq!(attestation, None);
        conn.execute(
            "INSERT INTO login_nonces (iin, nonce, logged_in_at) VALUES ('900101300017', 'n', 1)",
            [],
        )
        .unwrap();
    }

    #[test]
    fn a_schema_3_database_gains_storage_columns_and_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ra.db");
        {
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..3] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 3).unwrap();
            conn.execute_batch(
                "INSERT INTO citizens (iin, surname, name, created_at) VALUES ('900101300017', 'A', 'B', 0);
                 INSERT INTO certificates (serial, iin, ca, purpose, algorithm, not_before, not_after, der)
                 VALUES ('01', '900101300017', 'rsa', 'sign', 'RSA-2048', 0, 1, x'00');",
            )
            .unwrap();
        }
        let db = Db::open(&path).unwrap();
        let conn = db.lock();
        let storage: Option<String> = conn
            .query_row("SELECT storage FROM certificates", [], |r| r.get(0))
            .unwrap();
        assert_eq!(storage, None, "older certificates have no recorded storage");
        conn.execute(
            "INSERT INTO profiles (iin, contact_email, updated_at) VALUES ('900101300017', 'a@b.kz', 1)",
            [],
        )
        .unwrap();
        let channels: (bool, bool, bool) = conn
            .query_row(
                "SELECT notify_email, notify_sms, notify_push FROM profiles",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(channels, (true, true, true));
    }
}
