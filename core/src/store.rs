//! The local database: SQLite in WAL mode, versioned migrations. It holds
//! what the device must not forget: the certificates it knows (for
//! reminders), every renewal and how far it got (so a killed app resumes),
//! and settings. Secrets never go in here: passwords and codes are asked for
//! again on resume; private keys live in their homes (key files, keystore,
//! card).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::reminders::TrackedCertificate;
use qoltanba_pki::cert::KzCertificate;

const MIGRATIONS: &[&str] = &[
    // 1
    r#"
    CREATE TABLE certificates (
        serial      TEXT PRIMARY KEY,          -- upper-case hex
        purpose     TEXT NOT NULL,             -- AUTH | SIGN | AUTH+SIGN
        not_after   INTEGER NOT NULL,          -- Unix seconds
        location    TEXT NOT NULL,             -- where the key lives, e.g. file:/path
        der         BLOB NOT NULL,
        replaced    INTEGER NOT NULL DEFAULT 0,
        added_at    INTEGER NOT NULL
    );
    CREATE TABLE renewals (
        id          INTEGER PRIMARY KEY,
        key_serial  TEXT NOT NULL,             -- the current SIGN certificate
        step        TEXT NOT NULL,
        state       TEXT NOT NULL,             -- JSON, the renewal module's
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        finished_at INTEGER
    );
    -- One unfinished renewal per key: a second start is refused.
    CREATE UNIQUE INDEX renewals_active ON renewals(key_serial) WHERE finished_at IS NULL;
    CREATE TABLE settings (
        key         TEXT PRIMARY KEY,
        value       TEXT NOT NULL
    );
    "#,
    // 2: revoked certificates (by this device, or as the RA reported)
    // stay listed as revoked and get no reminders.
    r#"
    ALTER TABLE certificates ADD COLUMN revoked_at INTEGER;
    "#,
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the local database {path} cannot be opened: {detail}")]
    Open { path: String, detail: String },
    #[error(
        "the local database was written by a newer qoltanba (schema {found}, this one knows {known}); update the app"
    )]
    TooNew { found: i64, known: i64 },
    #[error(
        "a renewal of this key is already in progress (renewal {0}); resume it or cancel it first"
    )]
    RenewalInProgress(i64),
    #[error("no renewal {0} exists")]
    NoSuchRenewal(i64),
    #[error("local database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// A certificate the device knows about.
#[derive(Debug, Clone, Serialize)]
pub struct KnownCertificate {
    pub serial: String,
    pub purpose: String,
    pub not_after: i64,
    pub location: String,
    pub replaced: bool,
    /// Revoked (by this device, or as the RA reported).
    pub revoked: bool,
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// A renewal as stored.
#[derive(Debug, Clone)]
pub struct StoredRenewal {
    pub id: i64,
    pub key_serial: String,
    pub step: String,
    pub state: String,
    pub finished: bool,
}

pub struct Store {
    conn: Mutex<Connection>,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Store {
    /// Open (creating and migrating as needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |e: rusqlite::Error| StoreError::Open {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        let conn = Connection::open(path).map_err(open_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_error)?;
        Self::migrate(&conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn migrate(conn: &Connection) -> Result<(), StoreError> {
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
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

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remember a certificate and where its key lives (replacing what was
    /// known under the same serial).
    pub fn remember_certificate(
        &self,
        cert: &KzCertificate,
        location: &str,
    ) -> Result<(), StoreError> {
        let serial = cert.serial_hex();
        self.lock().execute(
            "INSERT INTO certificates (serial, purpose, not_after, location, der, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(serial) DO UPDATE SET location = ?4",
            params![
                serial,
                cert.purpose().name(),
                cert.not_after().unix_timestamp(),
                location,
                cert.der(),
                now()
            ],
        )?;
        Ok(())
    }

    /// Mark certificates as replaced by a renewal (their reminders stop).
    pub fn mark_replaced(&self, serials: &[String]) -> Result<(), StoreError> {
        let conn = self.lock();
        for serial in serials {
            conn.execute(
                "UPDATE certificates SET replaced = 1 WHERE serial = ?1",
                [serial],
            )?;
        }
        Ok(())
    }

    /// Mark a certificate as revoked (its reminders stop); a serial this
    /// device does not know is ignored.
    pub fn mark_revoked(&self, serial: &str, at: i64) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE certificates SET revoked_at = ?2 WHERE serial = ?1 AND revoked_at IS NULL",
            params![serial, at],
        )?;
        Ok(())
    }

    pub fn certificates(&self) -> Result<Vec<KnownCertificate>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT serial, purpose, not_after, location, replaced, der, revoked_at IS NOT NULL
             FROM certificates ORDER BY not_after",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(KnownCertificate {
                serial: r.get(0)?,
                purpose: r.get(1)?,
                not_after: r.get(2)?,
                location: r.get(3)?,
                replaced: r.get::<_, i64>(4)? != 0,
                der: r.get(5)?,
                revoked: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The known certificates as the reminders track them; a row whose
    /// certificate no longer parses is skipped (it cannot be renewed either).
    pub fn tracked_certificates(&self) -> Result<Vec<TrackedCertificate>, StoreError> {
        Ok(self
            .certificates()?
            .into_iter()
            .filter_map(|known| {
                let cert = KzCertificate::from_der(&known.der).ok()?;
                let mut t = TrackedCertificate::from(&cert);
                // Neither a replaced nor a revoked certificate is renewed.
                t.replaced = known.replaced || known.revoked;
                Some(t)
            })
            .collect())
    }

    /// Start recording a renewal of the key whose SIGN certificate is
    /// `key_serial`; refused while another renewal of it is unfinished.
    pub fn create_renewal(
        &self,
        key_serial: &str,
        step: &str,
        state: &str,
    ) -> Result<i64, StoreError> {
        let conn = self.lock();
        let result = conn.execute(
            "INSERT INTO renewals (key_serial, step, state, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![key_serial, step, state, now()],
        );
        match result {
            Ok(_) => Ok(conn.last_insert_rowid()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                let id: i64 = conn.query_row(
                    "SELECT id FROM renewals WHERE key_serial = ?1 AND finished_at IS NULL",
                    [key_serial],
                    |r| r.get(0),
                )?;
                Err(StoreError::RenewalInProgress(id))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Commit a renewal's new step and state (the caller does the side
    /// effect only after this returns).
    pub fn save_renewal(
        &self,
        id: i64,
        step: &str,
        state: &str,
        finished: bool,
    ) -> Result<(), StoreError> {
        let at = now();
        let changed = self.lock().execute(
            "UPDATE renewals SET step = ?1, state = ?2, updated_at = ?3,
                 finished_at = CASE WHEN ?4 THEN ?3 ELSE NULL END
             WHERE id = ?5",
            params![step, state, at, finished, id],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchRenewal(id));
        }
        Ok(())
    }

    pub fn renewal(&self, id: i64) -> Result<Option<StoredRenewal>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT id, key_serial, step, state, finished_at IS NOT NULL FROM renewals WHERE id = ?1",
                [id],
                row_to_renewal,
            )
            .optional()?)
    }

    /// The unfinished renewals, oldest first.
    /// Every renewal, oldest first.
    pub fn renewals(&self) -> Result<Vec<StoredRenewal>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT id, key_serial, step, state, finished_at IS NOT NULL FROM renewals ORDER BY id",
        )?;
        let rows = stmt.query_map([], row_to_renewal)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn unfinished_renewals(&self) -> Result<Vec<StoredRenewal>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT id, key_serial, step, state, finished_at IS NOT NULL FROM renewals
             WHERE finished_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], row_to_renewal)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The latest renewal, finished or not.
    pub fn latest_renewal(&self) -> Result<Option<StoredRenewal>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT id, key_serial, step, state, finished_at IS NOT NULL FROM renewals ORDER BY id DESC LIMIT 1",
                [],
                row_to_renewal,
            )
            .optional()?)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }
}

fn row_to_renewal(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRenewal> {
    Ok(StoredRenewal {
        id: r.get(0)?,
        key_serial: r.get(1)?,
        step: r.get(2)?,
        state: r.get(3)?,
        finished: r.get(4)?,
    })
}

impl qoltanba_l10n::Localize for StoreError {
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::Open { path, detail } => Text::new("error-store-open")
                .arg("path", path)
                .arg("detail", detail),
            Self::TooNew { found, known } => Text::new("error-store-too-new")
                .arg("found", *found)
                .arg("known", *known),
            Self::RenewalInProgress(id) => {
                Text::new("error-store-renewal-in-progress").arg("renewal", *id)
            }
            Self::NoSuchRenewal(id) => Text::new("error-store-no-such-renewal").arg("renewal", *id),
            Self::Sql(e) => Text::new("error-store-sql").arg("detail", e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_renewals_and_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qoltanba.db");
        let store = Store::open(&path).unwrap();
        let id = store.create_renewal("AB", "start", "{}").unwrap();
        assert!(matches!(
            store.create_renewal("AB", "start", "{}"),
            Err(StoreError::RenewalInProgress(i)) if i == id
        ));
        store.create_renewal("CD", "start", "{}").unwrap();
        store.save_renewal(id, "done", "{\"x\":1}", true).unwrap();
        assert!(store.renewal(id).unwrap().unwrap().finished);
        // Finished: the key may be renewed again.
        store.create_renewal("AB", "start", "{}").unwrap();
        assert_eq!(store.unfinished_renewals().unwrap().len(), 2);
        assert!(matches!(
            store.save_renewal(999, "x", "{}", false),
            Err(StoreError::NoSuchRenewal(999))
        ));
        store.set_setting("server", "https://x").unwrap();
        assert_eq!(
            store.setting("server").unwrap().as_deref(),
            Some("https://x")
        );
        drop(store);
        // Reopening migrates nothing; a newer schema is refused.
        let store = Store::open(&path).unwrap();
        store
            .lock()
            .pragma_update(None, "user_version", 42)
            .unwrap();
        drop(store);
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 42, .. })
        ));
    }
}
