//! The RA's storage layer: one API over two back-ends.
//!
//! - **SQLite** (the default; demo, tests, small installs): `ra.db` in the
//!   RA's home, WAL mode, one connection; `sqlite.rs`.
//! - **PostgreSQL** (production, several nodes): `[database] url` in
//!   config.toml, the password in the file `password_file` names, a pool of
//!   `pool_size` connections; `postgres.rs`.
//!
//! The API mimics rusqlite's, so a statement reads the same on both:
//! [`Conn::execute`], [`Conn::query_row`] (with [`OptionalExtension::optional`]),
//! [`Conn::prepare`]`(sql)?.query_map(params, |row| …)`, [`Conn::execute_batch`],
//! [`Conn::transaction`] / [`Transaction::commit`], [`Row::get`] and
//! [`params!`](crate::params) over [`Value`]s.
//!
//! SQL that runs on both: `?N` placeholders (rewritten to `$N` for
//! PostgreSQL), `ON CONFLICT … DO NOTHING/UPDATE` (never `INSERT OR
//! IGNORE/REPLACE`), `RETURNING id` (never `last_insert_rowid`), integers
//! as i64 and flags as 0/1, no SQLite-only functions (`COALESCE`, not
//! `ifnull`). [`Conn::dialect`] is there for the rare statement that must
//! differ, e.g. [`Conn::for_update`] and [`Conn::for_update_skip_locked`].
//!
//! Transactions: SQLite's are `BEGIN IMMEDIATE` (the write lock first, so
//! a state read inside is still true at the commit, also against another
//! process); PostgreSQL's are READ COMMITTED, and a transaction that
//! decides on a row it read locks that row with [`Conn::for_update`]
//! (`SELECT … FOR UPDATE`), which gives the same guarantee.
//!
//! Migrations: `migrations.rs`, one list per back-end; a new schema version
//! goes into both (the tests compare the two schemas, table by table and
//! column by column). A server refuses a database newer than itself. On
//! PostgreSQL the migration holds an advisory lock, so nodes starting at
//! once migrate in turn.
//!
//! From async code: every call blocks its thread for the statement. On
//! PostgreSQL, on a worker of a multi-threaded runtime, the wait is
//! `block_in_place` (the worker's other tasks move on meanwhile); SQLite's
//! statements are short local calls, as before. [`Db::run`] moves a whole
//! unit of work onto tokio's blocking threads.
//!
//! Times are Unix seconds (UTC). Every state change also writes an `audit`
//! row in the same transaction.

pub mod migrations;
pub mod postgres;
mod sqlite;
mod value;

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

use zeroize::Zeroizing;

pub use crate::params;
pub use value::{ColumnIndex, FromValue, Params, Row, ToValue, Value};

use crate::config::DatabaseConfig;

/// Which SQL the back-end speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A statement that failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database error: {message}")]
    Postgres {
        message: String,
        /// The SQLSTATE, when the server sent one.
        code: Option<String>,
    },
    #[error("the query returned no row")]
    NoRow,
    #[error("database column {index}: {detail}")]
    Conversion { index: usize, detail: String },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
}

impl Error {
    /// A unique or primary-key constraint refused the row.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            Error::Postgres { code, .. } => code.as_deref() == Some("23505"),
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database {what} cannot be opened: {detail}")]
    Open { what: String, detail: String },
    #[error("the database configuration is invalid: {0}")]
    Config(String),
    #[error(
        "the database is newer (schema {found}) than this server (schema {known}); upgrade qoltanba-ra"
    )]
    TooNew { found: i64, known: i64 },
    #[error(transparent)]
    Sql(#[from] Error),
}

/// `.optional()` on a [`Conn::query_row`]: no row is `Ok(None)`.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRow) => Ok(None),
            Err(Error::Sqlite(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// SQLite's single connection, lent out one holder at a time.
struct SqliteSlot {
    conn: Mutex<Option<rusqlite::Connection>>,
    returned: Condvar,
}

enum Backend {
    Sqlite(SqliteSlot),
    Postgres(Arc<postgres::Pool>),
}

/// The database, shared by the server's tasks (cheap to clone).
#[derive(Clone)]
pub struct Db {
    backend: Arc<Backend>,
}

impl Db {
    /// Open (creating if needed) and migrate the SQLite database at `path`.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let conn = sqlite::open(path)?;
        Ok(Self {
            backend: Arc::new(Backend::Sqlite(SqliteSlot {
                conn: Mutex::new(Some(conn)),
                returned: Condvar::new(),
            })),
        })
    }

    /// Connect to and migrate a PostgreSQL database.
    pub fn open_postgres(options: postgres::Options) -> Result<Self, DbError> {
        Ok(Self {
            backend: Arc::new(Backend::Postgres(postgres::Pool::open(options)?)),
        })
    }

    /// The database of the RA home `dir`: PostgreSQL as `[database]` says
    /// (a relative `password_file` is in the home), else `ra.db` in it.
    pub fn open_home(dir: &Path, config: Option<&DatabaseConfig>) -> Result<Self, DbError> {
        let Some(config) = config else {
            return Self::open(&dir.join("ra.db"));
        };
        let password = match &config.password_file {
            Some(file) => {
                let path = dir.join(file);
                let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| {
                    DbError::Config(format!(
                        "[database] password_file {} cannot be read ({e}); write the database password into it",
                        path.display()
                    ))
                })?);
                let password = Zeroizing::new(text.trim_end_matches(['\n', '\r']).to_owned());
                if password.is_empty() {
                    return Err(DbError::Config(format!(
                        "[database] password_file {} is empty; write the database password into it",
                        path.display()
                    )));
                }
                Some(password)
            }
            None => None,
        };
        Self::open_postgres(postgres::Options {
            url: config.url.clone(),
            password,
            pool_size: config.pool_size,
            tls: config.tls,
            ca_file: config.ca_file.as_ref().map(|file| dir.join(file)),
        })
    }

    /// Which back-end this is.
    pub fn dialect(&self) -> Dialect {
        match *self.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// A connection for one short unit of work (SQLite's one connection,
    /// or one of PostgreSQL's pool), given back when dropped. Waits while
    /// all are out.
    pub fn conn(&self) -> Conn {
        let inner = match &*self.backend {
            Backend::Sqlite(slot) => {
                let mut guard = slot.conn.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(conn) = guard.take() {
                        break Inner::Sqlite {
                            conn: Some(conn),
                            db: self.backend.clone(),
                        };
                    }
                    guard = slot.returned.wait(guard).unwrap_or_else(|e| e.into_inner());
                }
            }
            Backend::Postgres(pool) => match postgres::PgConn::checkout(pool) {
                Ok(conn) => Inner::Postgres(conn),
                Err(e) => Inner::Failed(e.to_string()),
            },
        };
        Conn { inner }
    }

    /// Whether the database answers a trivial query (`/readyz`).
    pub fn ping(&self) -> Result<(), DbError> {
        self.conn()
            .query_row("SELECT 1", params![], |r| r.get::<_, i64>(0))?;
        Ok(())
    }

    /// How many applications are in each state (the metrics' gauge).
    pub fn applications_by_state(&self) -> Result<Vec<(String, i64)>, DbError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT state, COUNT(*) FROM applications GROUP BY state")?;
        let rows = stmt.query_map(params![], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// `work` on a connection on tokio's blocking threads, for async code
    /// (the statements then never hold up the server's async workers).
    pub async fn run<T, E>(
        &self,
        work: impl FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let db = self.clone();
        match tokio::task::spawn_blocking(move || work(&mut db.conn())).await {
            Ok(result) => result,
            Err(e) => match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(_) => Err(Error::Unavailable("the database task was cancelled".into()).into()),
            },
        }
    }
}

enum Inner {
    Sqlite {
        conn: Option<rusqlite::Connection>,
        db: Arc<Backend>,
    },
    Postgres(postgres::PgConn),
    /// No connection could be had: every statement says why.
    Failed(String),
}

/// A connection from [`Db::conn`].
pub struct Conn {
    inner: Inner,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Inner::Sqlite { conn, db } = &mut self.inner
            && let Backend::Sqlite(slot) = &**db
        {
            *slot.conn.lock().unwrap_or_else(|e| e.into_inner()) = conn.take();
            slot.returned.notify_one();
        }
    }
}

enum Target<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(&'a postgres::PgConn),
}

impl Conn {
    fn target(&self) -> Result<Target<'_>> {
        match &self.inner {
            Inner::Sqlite { conn: Some(c), .. } => Ok(Target::Sqlite(c)),
            Inner::Sqlite { conn: None, .. } => {
                Err(Error::Unavailable("the connection was given back".into()))
            }
            Inner::Postgres(c) => Ok(Target::Postgres(c)),
            Inner::Failed(why) => Err(Error::Unavailable(why.clone())),
        }
    }

    /// Which SQL the back-end speaks.
    pub fn dialect(&self) -> Dialect {
        match self.inner {
            Inner::Sqlite { .. } => Dialect::Sqlite,
            Inner::Postgres(_) | Inner::Failed(_) => Dialect::Postgres,
        }
    }

    /// ` FOR UPDATE` on PostgreSQL, to end a SELECT whose rows a
    /// transaction decides on (locked until it ends); nothing on SQLite,
    /// whose transactions hold the write lock from their start.
    pub fn for_update(&self) -> &'static str {
        match self.dialect() {
            Dialect::Postgres => " FOR UPDATE",
            Dialect::Sqlite => "",
        }
    }

    /// ` FOR UPDATE SKIP LOCKED` on PostgreSQL (rows another transaction
    /// holds are skipped: work queues shared by nodes); nothing on SQLite.
    pub fn for_update_skip_locked(&self) -> &'static str {
        match self.dialect() {
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        }
    }

    /// Run one statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        let params = params.into_values();
        match self.target()? {
            Target::Sqlite(c) => sqlite::execute(c, sql, &params),
            Target::Postgres(c) => c.execute(sql, params),
        }
    }

    /// Every row of a query.
    pub fn query_all(&self, sql: &str, params: impl Params) -> Result<Vec<Row>> {
        let params = params.into_values();
        match self.target()? {
            Target::Sqlite(c) => sqlite::query(c, sql, &params),
            Target::Postgres(c) => c.query(sql, params),
        }
    }

    /// The first row of a query through `f`; [`Error::NoRow`] when there is
    /// none (`.optional()` makes that `None`).
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        let rows = self.query_all(sql, params)?;
        f(rows.first().ok_or(Error::NoRow)?)
    }

    /// A statement to run with [`Statement::query_map`] or [`Statement::query`].
    pub fn prepare<'c>(&'c self, sql: &'c str) -> Result<Statement<'c>> {
        Ok(Statement { conn: self, sql })
    }

    /// [`Conn::prepare`]: each back-end caches its prepared statements.
    pub fn prepare_cached<'c>(&'c self, sql: &'c str) -> Result<Statement<'c>> {
        self.prepare(sql)
    }

    /// Several statements without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self.target()? {
            Target::Sqlite(c) => sqlite::execute_batch(c, sql),
            Target::Postgres(c) => c.execute_batch(sql),
        }
    }

    /// Begin a transaction (SQLite: `BEGIN IMMEDIATE`); it rolls back when
    /// dropped without [`Transaction::commit`].
    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        match self.target()? {
            Target::Sqlite(c) => sqlite::execute_batch(c, "BEGIN IMMEDIATE")?,
            Target::Postgres(c) => c.begin()?,
        }
        Ok(Transaction {
            conn: self,
            open: true,
        })
    }

    fn end(&self, sql: &str) -> Result<()> {
        match self.target()? {
            Target::Sqlite(c) => sqlite::execute_batch(c, sql),
            Target::Postgres(c) => c.end(sql),
        }
    }
}

/// A statement and its connection (rusqlite's shape, so call sites read
/// as before); the rows are read in full when it runs.
pub struct Statement<'c> {
    conn: &'c Conn,
    sql: &'c str,
}

impl Statement<'_> {
    /// Run it; the number of rows it changed.
    pub fn execute(&mut self, params: impl Params) -> Result<usize> {
        self.conn.execute(self.sql, params)
    }

    /// The first row through `f`, as [`Conn::query_row`].
    pub fn query_row<T>(
        &mut self,
        params: impl Params,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        self.conn.query_row(self.sql, params, f)
    }

    /// Each row through `f`.
    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        mut f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let rows = self.conn.query_all(self.sql, params)?;
        Ok(rows.iter().map(&mut f).collect::<Vec<_>>().into_iter())
    }

    /// The rows, to walk with [`Rows::next`].
    pub fn query(&mut self, params: impl Params) -> Result<Rows> {
        Ok(Rows {
            rows: self.conn.query_all(self.sql, params)?.into_iter(),
            current: None,
        })
    }
}

/// The rows of [`Statement::query`].
pub struct Rows {
    rows: std::vec::IntoIter<Row>,
    current: Option<Row>,
}

impl Rows {
    /// The next row, or `None` after the last.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<&Row>> {
        self.current = self.rows.next();
        Ok(self.current.as_ref())
    }
}

/// An open transaction; reads and writes through it as through its
/// [`Conn`] (it dereferences to it).
pub struct Transaction<'c> {
    conn: &'c mut Conn,
    open: bool,
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        self.conn.end("COMMIT")
    }

    pub fn rollback(mut self) -> Result<()> {
        self.open = false;
        self.conn.end("ROLLBACK")
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            // A failed ROLLBACK leaves PostgreSQL's connection marked as in
            // a transaction, so the pool closes it instead of reusing it.
            let _ = self.conn.end("ROLLBACK");
        }
    }
}

/// Record a state change.
pub fn audit(
    conn: &Conn,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    detail: Option<&str>,
) -> Result<()> {
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

pub fn citizen(conn: &Conn, iin: &str) -> Result<Option<Citizen>> {
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
pub fn token_column<T>(row: &Row, index: usize, from_token: fn(&str) -> Option<T>) -> Result<T> {
    let text: String = row.get(index)?;
    from_token(&text).ok_or_else(|| Error::Conversion {
        index,
        detail: format!("unknown token {text:?}"),
    })
}

#[cfg(test)]
mod tests;
