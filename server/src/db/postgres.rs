//! The PostgreSQL back-end: a pool of connections of the async client
//! (tokio-postgres), driven by a small runtime of the layer's own, behind
//! the same synchronous calls as SQLite.
//!
//! Why a runtime of its own: the RA's storage calls are synchronous (the
//! registry, the scheduler and the operator commands are plain functions),
//! and a synchronous client that starts its own runtime panics inside the
//! server's tasks. Here each statement is a task on the layer's runtime
//! and the caller waits for its result on a channel, which works from any
//! thread, inside the server's runtime or not. On a worker of a
//! multi-threaded runtime the wait is `block_in_place`, so the worker's
//! other tasks move to another thread meanwhile ([`super::Db::run`] moves
//! a whole unit of work off the async workers).
//!
//! Statements keep SQLite's `?N` placeholders; [`rewrite_placeholders`]
//! turns them into `$N`. Each connection keeps its prepared statements, so
//! a statement is parsed once per connection.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use zeroize::Zeroizing;

use crate::config::DatabaseTls;

use super::migrations;
use super::value::{Row, Value};
use super::{DbError, Error};

/// How long a caller waits for a free connection before it is told to
/// raise `pool_size`.
const CHECKOUT_WAIT: Duration = Duration::from_secs(30);
/// The advisory lock the migration holds: two nodes starting on one new
/// database migrate one after the other. ("qoltanba" in ASCII.)
const MIGRATION_LOCK: i64 = 0x716f_6c74_616e_6261;

/// What `[database]` in config.toml says, the password read from its file.
pub struct Options {
    /// `postgres://user@host:port/name` (no password).
    pub url: String,
    pub password: Option<Zeroizing<String>>,
    pub pool_size: usize,
    /// `[database] tls`; `None`: by the host (see [`DatabaseTls`]).
    pub tls: Option<DatabaseTls>,
    /// `[database] ca_file`, already made absolute.
    pub ca_file: Option<std::path::PathBuf>,
}

/// `?N` (and bare `?`) placeholders to PostgreSQL's `$N`, outside string
/// literals, quoted identifiers and comments.
pub fn rewrite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut bare = 0u32;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                // A doubled quote inside is an escaped one: the loop leaves
                // and re-enters the literal, which copies it unchanged.
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                out.push(c);
                let mut prev = ' ';
                for d in chars.by_ref() {
                    out.push(d);
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            '?' => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        out.push(d);
                    }
                } else {
                    bare += 1;
                    out.push_str(&bare.to_string());
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Bound by the type the server inferred for the parameter, so a `Value`
/// fits any integer, boolean, text or blob column (SQLite's flexibility).
impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    i.to_string().as_str().to_sql(ty, out)
                }
                _ => Err(format!("an integer cannot be bound as {ty}").into()),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.as_str().to_sql(ty, out)
                }
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                _ => Err(format!("text cannot be bound as {ty}").into()),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(format!("a blob cannot be bound as {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn read(row: &tokio_postgres::Row, index: usize) -> Result<Value, Error> {
    let ty = row.columns()[index].type_().clone();
    let value = match ty {
        Type::VOID => None,
        Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map(Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(index)?
            .map(|i| Value::Int(i.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(index)?
            .map(|i| Value::Int(i.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(index)?
            .map(|b| Value::Int(b.into())),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
            row.try_get::<_, Option<String>>(index)?.map(Value::Text)
        }
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(index)?.map(Value::Blob),
        other => {
            return Err(Error::Conversion {
                index,
                detail: format!("a column of type {other} (cast it to BIGINT, TEXT or BYTEA)"),
            });
        }
    };
    Ok(value.unwrap_or(Value::Null))
}

/// One connection and its prepared statements.
struct Client {
    client: tokio_postgres::Client,
    statements: Mutex<HashMap<String, tokio_postgres::Statement>>,
}

impl Client {
    async fn statement(&self, sql: &str) -> Result<tokio_postgres::Statement, Error> {
        if let Some(s) = lock(&self.statements).get(sql) {
            return Ok(s.clone());
        }
        let statement = self.client.prepare(sql).await?;
        let mut cache = lock(&self.statements);
        if cache.len() >= 512 {
            cache.clear();
        }
        cache.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing here is left half-changed by a panic: a poisoned lock is usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Idle {
    clients: Vec<Arc<Client>>,
    /// Connections out of the pool or idle in it.
    open: usize,
}

/// The connections, at most `size`, opened when first needed.
pub(super) struct Pool {
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    config: tokio_postgres::Config,
    /// `Some` when `[database] tls` is `verify-full`.
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    /// `host:port/name` for messages: never the password.
    target: String,
    size: usize,
    idle: Mutex<Idle>,
    available: Condvar,
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which panics inside another runtime's
        // task (where the last handle on the database may well be dropped).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Pool {
    /// Connect (one connection, to check the settings at once) and migrate.
    pub(super) fn open(options: Options) -> Result<Arc<Self>, DbError> {
        let mut config = tokio_postgres::Config::from_str(&options.url).map_err(|e| {
            DbError::Config(format!(
                "[database] url is not a postgres://USER@HOST:PORT/NAME URL ({e})"
            ))
        })?;
        if config.get_password().is_some() {
            return Err(DbError::Config(
                "[database] url holds a password: remove it from the URL and put it in the file [database] password_file names".into(),
            ));
        }
        // The URL's sslmode would say less than [database] tls does
        // (tokio-postgres's `require` checks no certificate): one place.
        if config.get_ssl_mode() != tokio_postgres::config::SslMode::Prefer {
            return Err(DbError::Config(
                "[database] url sets sslmode: remove it and set [database] tls = \"verify-full\" (or \"off\") instead (docs/operations.md, section 2)".into(),
            ));
        }
        let tls = match options.tls.unwrap_or_else(|| default_tls(&config)) {
            DatabaseTls::Off => {
                config.ssl_mode(tokio_postgres::config::SslMode::Disable);
                None
            }
            DatabaseTls::VerifyFull => {
                config.ssl_mode(tokio_postgres::config::SslMode::Require);
                Some(tls_connector(options.ca_file.as_deref())?)
            }
        };
        if let Some(password) = &options.password {
            config.password(password.as_bytes());
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("qoltanba-ra");
        let target = describe(&config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("qoltanba-ra-postgres")
            .enable_all()
            .build()
            .map_err(|e| DbError::Open {
                what: target.clone(),
                detail: format!("the database client's runtime does not start: {e}"),
            })?;
        let pool = Arc::new(Self {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            config,
            tls,
            target,
            size: options.pool_size.max(1),
            idle: Mutex::new(Idle {
                clients: Vec::new(),
                open: 0,
            }),
            available: Condvar::new(),
        });
        let conn = PgConn::checkout(&pool).map_err(|e| {
            // A TLS fault's message already names the setting to fix.
            let e = e.to_string();
            DbError::Open {
                what: pool.target.clone(),
                detail: if e.contains("[database]") {
                    e
                } else {
                    format!(
                        "{e}; check [database] url and password_file in config.toml and that the server accepts this host"
                    )
                },
            }
        })?;
        migrate(&conn)?;
        Ok(pool)
    }

    /// Run `fut` on the layer's runtime and wait for it.
    fn block_on<T: Send + 'static>(
        &self,
        fut: impl Future<Output = Result<T, Error>> + Send + 'static,
    ) -> Result<T, Error> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(fut.await);
        });
        let wait = || rx.recv();
        // On a worker of a multi-threaded runtime (the server's handlers),
        // hand the worker's other tasks to another thread while this one
        // waits, as spawn_blocking would; elsewhere just wait.
        let answer = match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(wait)
            }
            _ => wait(),
        };
        answer
            .map_err(|_| Error::Unavailable("the database client's runtime has stopped".into()))?
    }

    fn connect(&self) -> Result<Arc<Client>, Error> {
        let config = self.config.clone();
        let tls = self.tls.clone();
        let verify = tls.is_some();
        let client = self.block_on(async move {
            let explain = |e| explain_connect_error(e, verify);
            let client = match tls {
                Some(tls) => {
                    let (client, connection) = config.connect(tls).await.map_err(explain)?;
                    tokio::spawn(drive(connection));
                    client
                }
                None => {
                    let (client, connection) = config
                        .connect(tokio_postgres::NoTls)
                        .await
                        .map_err(explain)?;
                    tokio::spawn(drive(connection));
                    client
                }
            };
            Ok(client)
        })?;
        Ok(Arc::new(Client {
            client,
            statements: Mutex::new(HashMap::new()),
        }))
    }
}

/// Drive one connection until its client is dropped or the server goes
/// away; the next statement on that client then fails and it is discarded.
async fn drive<S, T>(connection: tokio_postgres::Connection<S, T>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    if let Err(e) = connection.await {
        tracing::warn!(error = %flatten(&e.to_string()), "a database connection ended");
    }
}

/// `[database] tls` when the config leaves it out: `off` for a server on
/// this host (loopback, `localhost`, a Unix socket), where TLS protects
/// nothing, and `verify-full` for any other, so that a remote database is
/// never reached in clear by default.
fn default_tls(config: &tokio_postgres::Config) -> DatabaseTls {
    let local = config.get_hosts().iter().all(|host| match host {
        tokio_postgres::config::Host::Tcp(name) => {
            name.eq_ignore_ascii_case("localhost")
                || name
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        tokio_postgres::config::Host::Unix(_) => true,
    });
    if local {
        DatabaseTls::Off
    } else {
        DatabaseTls::VerifyFull
    }
}

/// rustls (ring) checking the server's certificate against `ca_file`
/// alone when given (a private CA must not be widened to every public
/// one), else the system's roots, and against the URL's host name.
fn tls_connector(
    ca_file: Option<&std::path::Path>,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect, DbError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::Config(format!("[database] tls cannot be set up ({e})")))?;
    let config = match ca_file {
        Some(path) => {
            let certs = crate::notify::send::http::read_roots(&path.to_string_lossy()).map_err(
                |why| {
                    DbError::Config(format!(
                        "[database] ca_file: {why}; name the PEM file of the CA that issued the database server's certificate"
                    ))
                },
            )?;
            let roots = crate::notify::send::http::root_store(certs).map_err(|e| {
                DbError::Config(format!(
                    "[database] ca_file {} holds a certificate that is not a CA rustls accepts ({e}); name the CA's PEM file",
                    path.display()
                ))
            })?;
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            let verifier = rustls_platform_verifier::Verifier::new(provider).map_err(|e| {
                DbError::Config(format!(
                    "[database] tls: the system's roots cannot be loaded ({e}); set [database] ca_file to the database server's CA"
                ))
            })?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth()
        }
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// A failed connection in one line saying what to do, for the faults of
/// TLS an operator meets when setting it up. The rest pass unchanged.
fn explain_connect_error(e: tokio_postgres::Error, verify: bool) -> Error {
    // tokio-postgres's own text stops at "error performing TLS handshake":
    // the why (rustls's verdict) is in the chain of sources.
    let mut chain = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    let e = Error::from(e);
    let Error::Postgres { message, code } = &e else {
        return e;
    };
    let message = if message.contains("TLS") || message.contains("tls") {
        flatten(&chain)
    } else {
        message.clone()
    };
    let hint = if !verify && code.as_deref() == Some("28000") && message.contains("no encryption") {
        "the database server requires TLS: set [database] tls = \"verify-full\" (and ca_file to its CA)"
    } else if verify && message.contains("server does not support TLS") {
        "the database server does not offer TLS: turn on ssl in its postgresql.conf, or set [database] tls = \"off\" if it is on this host or a trusted private link"
    } else if verify && message.contains("UnknownIssuer") {
        "the database server's certificate is not issued by a CA this RA trusts: set [database] ca_file to the PEM of the CA that issued it"
    } else if verify
        && (message.contains("NotValidForName") || message.contains("not valid for name"))
    {
        "the database server's certificate is not for the host in [database] url: use a host name the certificate carries"
    } else if verify && message.contains("invalid peer certificate") {
        "the database server's certificate is not acceptable (expired, or not a server certificate): renew it on the database server ([database] tls)"
    } else {
        return Error::Postgres {
            message,
            code: code.clone(),
        };
    };
    Error::Postgres {
        message: format!("{hint} ({message})"),
        code: code.clone(),
    }
}

/// `user@host:port/name` of a configuration, for messages.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

/// One line of a message that may span several.
pub(super) fn flatten(text: &str) -> String {
    text.replace('\n', "; ")
}

/// A connection taken from the pool, given back when dropped.
pub(super) struct PgConn {
    client: Option<Arc<Client>>,
    pool: Arc<Pool>,
    /// Inside BEGIN … COMMIT: a connection given back so (a panic, a
    /// failed ROLLBACK) is closed rather than reused.
    in_transaction: AtomicBool,
}

impl Drop for PgConn {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        let mut idle = lock(&self.pool.idle);
        if client.client.is_closed() || self.in_transaction.load(Ordering::Relaxed) {
            idle.open -= 1;
        } else {
            idle.clients.push(client);
        }
        drop(idle);
        self.pool.available.notify_one();
    }
}

impl PgConn {
    pub(super) fn checkout(pool: &Arc<Pool>) -> Result<Self, Error> {
        let deadline = std::time::Instant::now() + CHECKOUT_WAIT;
        let mut idle = lock(&pool.idle);
        loop {
            if let Some(client) = idle.clients.pop() {
                if client.client.is_closed() {
                    idle.open -= 1;
                    continue;
                }
                return Ok(Self::new(pool, client));
            }
            if idle.open < pool.size {
                idle.open += 1;
                drop(idle);
                return match pool.connect() {
                    Ok(client) => Ok(Self::new(pool, client)),
                    Err(e) => {
                        lock(&pool.idle).open -= 1;
                        pool.available.notify_one();
                        Err(e)
                    }
                };
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(Error::Unavailable(format!(
                    "no database connection came free within {} s: raise [database] pool_size (now {})",
                    CHECKOUT_WAIT.as_secs(),
                    pool.size
                )));
            }
            idle = pool
                .available
                .wait_timeout(idle, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn new(pool: &Arc<Pool>, client: Arc<Client>) -> Self {
        Self {
            client: Some(client),
            pool: pool.clone(),
            in_transaction: AtomicBool::new(false),
        }
    }

    fn client(&self) -> Result<Arc<Client>, Error> {
        self.client
            .clone()
            .ok_or_else(|| Error::Unavailable("the connection was given back".into()))
    }

    pub(super) fn execute(&self, sql: &str, params: Vec<Value>) -> Result<usize, Error> {
        let client = self.client()?;
        let sql = rewrite_placeholders(sql);
        let n = self.pool.block_on(async move {
            let statement = client.statement(&sql).await?;
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            Ok(client.client.execute(&statement, &refs).await?)
        })?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub(super) fn query(&self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, Error> {
        let client = self.client()?;
        let sql = rewrite_placeholders(sql);
        self.pool.block_on(async move {
            let statement = client.statement(&sql).await?;
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            let rows = client.client.query(&statement, &refs).await?;
            rows.iter()
                .map(|row| {
                    (0..row.len())
                        .map(|i| read(row, i))
                        .collect::<Result<Vec<_>, _>>()
                        .map(Row::new)
                })
                .collect()
        })
    }

    /// Several statements, no parameters (the simple query protocol).
    pub(super) fn execute_batch(&self, sql: &str) -> Result<(), Error> {
        let client = self.client()?;
        let sql = sql.to_owned();
        self.pool
            .block_on(async move { Ok(client.client.batch_execute(&sql).await?) })
    }

    pub(super) fn begin(&self) -> Result<(), Error> {
        self.in_transaction.store(true, Ordering::Relaxed);
        self.execute_batch("BEGIN")
    }

    pub(super) fn end(&self, sql: &str) -> Result<(), Error> {
        self.execute_batch(sql)?;
        self.in_transaction.store(false, Ordering::Relaxed);
        Ok(())
    }
}

/// Bring the database to [`migrations::VERSION`], in one transaction that
/// holds an advisory lock (two nodes starting at once migrate in turn).
fn migrate(conn: &PgConn) -> Result<(), DbError> {
    conn.begin()?;
    let result = (|| -> Result<(), DbError> {
        conn.execute(
            "SELECT pg_advisory_xact_lock(?1)",
            vec![Value::Int(MIGRATION_LOCK)],
        )?;
        conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
        let version: Option<i64> = conn
            .query("SELECT version FROM schema_version", Vec::new())?
            .first()
            .map(|r| r.get(0))
            .transpose()?;
        let version = match version {
            Some(v) => v,
            None => {
                conn.execute(
                    "INSERT INTO schema_version (version) VALUES (0)",
                    Vec::new(),
                )?;
                0
            }
        };
        if version > migrations::VERSION {
            return Err(DbError::TooNew {
                found: version,
                known: migrations::VERSION,
            });
        }
        for (to, sql) in migrations::POSTGRES {
            if *to > version {
                conn.execute_batch(sql)?;
                conn.execute(
                    "UPDATE schema_version SET version = ?1",
                    vec![Value::Int(*to)],
                )?;
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => conn.end("COMMIT")?,
        Err(e) => {
            let _ = conn.end("ROLLBACK");
            return Err(e);
        }
    }
    Ok(())
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            // The server's message and its code; not its DETAIL, which
            // quotes the row's values.
            Some(db) => Error::Postgres {
                message: flatten(db.message()),
                code: Some(db.code().code().to_owned()),
            },
            None => Error::Postgres {
                message: flatten(&e.to_string()),
                code: e.code().map(|c| c.code().to_owned()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_defaults_to_verify_full_unless_the_host_is_this_one() {
        let tls = |url: &str| default_tls(&tokio_postgres::Config::from_str(url).unwrap());
        assert_eq!(tls("postgres://ra@127.0.0.1:5432/ra"), DatabaseTls::Off);
        assert_eq!(tls("postgres://ra@localhost/ra"), DatabaseTls::Off);
        assert_eq!(tls("postgres://ra@[::1]:5432/ra"), DatabaseTls::Off);
        assert_eq!(
            tls("postgres://ra@%2Frun%2Fpostgresql/ra"),
            DatabaseTls::Off
        );
        assert_eq!(
            tls("postgres://ra@db.example.kz/ra"),
            DatabaseTls::VerifyFull
        );
        assert_eq!(tls("postgres://ra@10.0.0.5/ra"), DatabaseTls::VerifyFull);
        assert_eq!(
            tls("postgres://ra@127.0.0.1,db.example.kz/ra"),
            DatabaseTls::VerifyFull
        );
    }

    #[test]
    fn placeholders_become_dollars_outside_literals_and_comments() {
        assert_eq!(
            rewrite_placeholders("SELECT a FROM t WHERE b = ?1 AND c IN (?2, ?10)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $10)"
        );
        assert_eq!(
            rewrite_placeholders("SELECT '?1', 'it''s ?2', \"?3\" FROM t WHERE x = ?4"),
            "SELECT '?1', 'it''s ?2', \"?3\" FROM t WHERE x = $4"
        );
        assert_eq!(
            rewrite_placeholders("SELECT 1 -- what ?1\n, ?2 /* ?3 */ , ?"),
            "SELECT 1 -- what ?1\n, $2 /* ?3 */ , $1"
        );
        assert_eq!(rewrite_placeholders("résumé = ?1"), "résumé = $1");
    }
}
