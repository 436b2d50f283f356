//! `qoltanba-ra`: the reference registration authority's command line.
//!
//! Exit codes: 0 success, 1 refused or failed (one line on stderr saying what
//! to do), 2 usage, 141 the reader of standard output went away (`| head`;
//! nothing said). Standard output is written through
//! `qoltanba_l10n::stdout` only (the [`say!`] macro): no write can panic,
//! and a full disk is said as such.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use qoltanba_pki::crypto::KeySpec;
use qoltanba_pki::keyfile::{NewPassword, Password, Profile};
use qoltanba_pki::protocol::ApplicationState;
use qoltanba_ra::api::AppState;
use qoltanba_ra::db::params;
use qoltanba_ra::home::Home;
use qoltanba_ra::registry::{self, Enrolment};
use qoltanba_ra::{attestation, metrics, notify, sd_notify, serve, tls};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Parser)]
#[command(
    name = "qoltanba-ra",
    version,
    about = "The qoltanba reference registration authority"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run; the size difference between commands costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Create a server in an empty directory: CAs, TLS identity, database, config.
    Init {
        #[arg(long)]
        dir: PathBuf,
        /// The address `serve` will listen on (goes into the TLS certificate).
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// Serve plain HTTP (allowed on loopback only) instead of HTTPS.
        #[arg(long)]
        plain_http: bool,
        /// Read the operator passphrase from this file (else a prompt).
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// How the CA and TLS key files are protected: `modern` (PBES2,
        /// 600 000 PBKDF2 iterations) for every real home; `nca` (NCA's
        /// legacy profile, cheap to open) only for a throwaway home, such as
        /// a test's or a demo's.
        #[arg(long, value_name = "PROFILE", default_value = "modern")]
        key_file_profile: String,
        /// Keep the RA's data in this PostgreSQL database,
        /// postgres://USER@HOST:PORT/NAME (no password in it), instead of
        /// SQLite in the home (docs/operations.md, section 2).
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// The file holding the database role's password.
        #[arg(long, value_name = "FILE", requires = "database")]
        database_password_file: Option<PathBuf>,
        /// TLS to the database: `verify-full` or `off`. Left out: `off` for
        /// a loopback host, `verify-full` for any other.
        #[arg(long, value_name = "MODE", requires = "database")]
        database_tls: Option<String>,
        /// PEM file of the CA that issued the database server's
        /// certificate (else the system's roots).
        #[arg(long, value_name = "FILE", requires = "database")]
        database_ca_file: Option<PathBuf>,
    },
    /// Register a citizen and issue their first certificates into key files.
    Enroll {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        iin: String,
        #[arg(long)]
        surname: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        patronymic: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        /// rsa, p256 or gost2015.
        #[arg(long, default_value = "gost2015")]
        algorithm: String,
        /// Start of validity (RFC 3339); default now.
        #[arg(long)]
        valid_from: Option<String>,
        #[arg(long, default_value_t = 365)]
        valid_days: u32,
        /// The file holding the citizen's new key-file password (key files only).
        #[arg(long, required_unless_present = "card_simulator")]
        password_file: Option<PathBuf>,
        /// Where the key files (or a kz-idcard's certificates) go.
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// Put the keys on this simulator card instead of key files
        /// (generated on the card, certificates stored on it and made current).
        #[arg(long, value_name = "FILE")]
        card_simulator: Option<PathBuf>,
        /// The simulator card's CAN (qoltanba-ref-1).
        #[arg(long, value_name = "FILE", requires = "card_simulator")]
        can_file: Option<PathBuf>,
        /// The simulator card's PIN.
        #[arg(long, value_name = "FILE", requires = "card_simulator")]
        card_pin_file: Option<PathBuf>,
    },
    /// Serve the API.
    Serve {
        #[arg(long)]
        dir: PathBuf,
        /// Override the configured listen address (port 0 picks a free port).
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// Stop when standard input closes (for supervisors and tests that
        /// must not leave a server behind).
        #[arg(long)]
        stop_on_stdin_eof: bool,
    },
    /// Operator work on applications.
    Applications {
        #[command(subcommand)]
        command: ApplicationsCommand,
    },
    /// Check the configured notice senders without sending anything
    /// (docs/operations.md section 4); exits 1 when one fails.
    CheckSenders {
        #[arg(long)]
        dir: PathBuf,
    },
    /// What the outbox sender recorded (e-mail, SMS, push).
    Outbox {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ApplicationsCommand {
    /// List applications (newest first): number, IIN, state, created, and
    /// each new key's attestation (e.g. `auth:tee sign:strongbox`; `none`
    /// without one; `-` before attestation was recorded).
    List {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Approve a confirmed application and issue its certificates (also
    /// finishes one left approved but not issued by a server that stopped).
    Approve {
        number: i64,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// Reject an application not yet issued (awaiting its code, confirmed,
    /// or approved); the citizen's renewal ends with the reason.
    Reject {
        number: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        dir: PathBuf,
    },
}

fn fail(message: impl std::fmt::Display) -> String {
    message.to_string()
}

fn passphrase(file: Option<&Path>) -> Result<Password, String> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the passphrase file {}: {e}", path.display()))?,
        None => rpassword::prompt_password("Operator passphrase: ")
            .map_err(|e| format!("cannot read the passphrase: {e}; use --passphrase-file"))?,
    };
    Ok(Password::new(text.trim_end_matches(['\r', '\n'])))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `serve` logs as its configuration says (`[log]`), once it has read it.
    if !matches!(cli.command, Command::Serve { .. }) {
        let _ = qoltanba_ra::logging::init(&qoltanba_ra::config::Log::default());
    }
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Closed) => ExitCode::from(qoltanba_l10n::stdout::BROKEN_PIPE_EXIT),
        Err(Failure::Said(message)) => {
            qoltanba_l10n::stdout::print_error_line(&format!("error: {message}"));
            ExitCode::from(1)
        }
    }
}

/// How a command fails: a line for the operator, or standard output's
/// reader went away (nothing to say, exit 141).
enum Failure {
    Said(String),
    Closed,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self::Said(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Self::Said(message.to_string())
    }
}

impl From<qoltanba_l10n::stdout::OutputError> for Failure {
    fn from(e: qoltanba_l10n::stdout::OutputError) -> Self {
        match e {
            qoltanba_l10n::stdout::OutputError::Closed => Self::Closed,
            e => Self::Said(e.to_string()),
        }
    }
}

/// `say!("format", args…)`: one line on standard output, or return its
/// failure from the enclosing function (see [`Failure`]).
macro_rules! say {
    ($($arg:tt)*) => {
        qoltanba_l10n::stdout::print_line(&format!($($arg)*))?
    };
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Init {
            dir,
            listen,
            plain_http,
            passphrase_file,
            key_file_profile,
            database,
            database_password_file,
            database_tls,
            database_ca_file,
        } => {
            let profile = match key_file_profile.as_str() {
                "modern" => Profile::Modern,
                "nca" => Profile::Nca,
                other => {
                    return Err(format!(
                        "unknown key-file profile '{other}'; use modern (real homes) or nca (throwaway homes)"
                    ).into());
                }
            };
            if plain_http && !listen.ip().is_loopback() {
                return Err(
                    "plain HTTP is allowed on a loopback address only; drop --plain-http".into(),
                );
            }
            let pass = NewPassword::new(passphrase(passphrase_file.as_deref())?)
                .map_err(|e| format!("the operator passphrase is too weak: {e}"))?;
            // config.toml keeps the password file's absolute path: `serve`
            // may start in another directory.
            let database_password_file = database_password_file
                .map(|f| {
                    std::path::absolute(&f)
                        .map_err(|e| format!("--database-password-file {}: {e}", f.display()))
                })
                .transpose()?;
            let database_tls = database_tls
                .map(|mode| match mode.as_str() {
                    "off" => Ok(qoltanba_ra::config::DatabaseTls::Off),
                    "verify-full" => Ok(qoltanba_ra::config::DatabaseTls::VerifyFull),
                    other => Err(format!(
                        "--database-tls {other} is not a mode; use verify-full or off"
                    )),
                })
                .transpose()?;
            let database_ca_file = database_ca_file
                .map(|f| {
                    std::path::absolute(&f)
                        .map_err(|e| format!("--database-ca-file {}: {e}", f.display()))
                })
                .transpose()?;
            let database = database.map(|url| qoltanba_ra::config::DatabaseConfig {
                url,
                password_file: database_password_file,
                pool_size: qoltanba_ra::config::DatabaseConfig::DEFAULT_POOL_SIZE,
                tls: database_tls,
                ca_file: database_ca_file,
            });
            let home = Home::init_in_profile(
                &dir,
                listen,
                !plain_http,
                &pass,
                OffsetDateTime::now_utc(),
                profile,
                database,
            )
            .map_err(fail)?;
            say!("Server created in {}", home.dir.display());
            say!("HTTPS clients trust {}", Home::tls_ca_path(&dir).display());
            Ok(())
        }
        Command::Enroll {
            dir,
            iin,
            surname,
            name,
            patronymic,
            email,
            phone,
            algorithm,
            valid_from,
            valid_days,
            password_file,
            out,
            passphrase_file,
            card_simulator,
            can_file,
            card_pin_file,
        } => {
            let algorithm = match algorithm.as_str() {
                "rsa" => KeySpec::Rsa2048,
                "p256" => KeySpec::P256,
                "gost2015" => KeySpec::Gost512,
                other => {
                    return Err(
                        format!("unknown algorithm '{other}'; use rsa, p256 or gost2015").into(),
                    );
                }
            };
            let now = OffsetDateTime::now_utc();
            let valid_from = match valid_from {
                Some(t) => OffsetDateTime::parse(&t, &Rfc3339)
                    .map_err(|e| format!("--valid-from '{t}' is not RFC 3339 ({e})"))?,
                None => now,
            };
            let who = Enrolment {
                iin: &iin,
                surname: &surname,
                name: &name,
                patronymic: patronymic.as_deref(),
                email: email.as_deref(),
                phone: phone.as_deref(),
                algorithm,
                valid_from,
                valid_days,
            };
            if let Some(card) = card_simulator {
                #[cfg(not(feature = "card-enrolment"))]
                {
                    let _ = (card, can_file, card_pin_file);
                    return Err("this qoltanba-ra was built without card enrolment; build it with --features card-enrolment".into());
                }
                #[cfg(feature = "card-enrolment")]
                {
                    let session =
                        open_simulator_card(&card, can_file.as_deref(), card_pin_file.as_deref())?;
                    let home = Home::open(&dir).map_err(fail)?;
                    let cas = home
                        .unlock_cas(&passphrase(passphrase_file.as_deref())?)
                        .map_err(fail)?;
                    let shared = std::sync::Arc::new(std::sync::Mutex::new(session));
                    let enrolled = registry::enroll_card(
                        &home.db,
                        &cas,
                        &home.config.public_url,
                        &who,
                        &shared,
                        &out,
                        now,
                    )
                    .map_err(fail)?;
                    say!(
                        "{}",
                        serde_json::to_string_pretty(
                            &serde_json::json!({ "iin": iin, "card": card, "keys": enrolled })
                        )
                        .unwrap_or_default()
                    );
                    return Ok(());
                }
            }
            let password_file = password_file.ok_or("give --password-file for the key files")?;
            let password_text = std::fs::read_to_string(&password_file).map_err(|e| {
                format!(
                    "cannot read the password file {}: {e}",
                    password_file.display()
                )
            })?;
            let password =
                NewPassword::new(Password::new(password_text.trim_end_matches(['\r', '\n'])))
                    .map_err(|e| format!("the citizen's password is refused: {e}"))?;
            let home = Home::open(&dir).map_err(fail)?;
            let cas = home
                .unlock_cas(&passphrase(passphrase_file.as_deref())?)
                .map_err(fail)?;
            let written = registry::enroll(
                &home.db,
                &cas,
                &home.config.public_url,
                &who,
                &password,
                &out,
                now,
            )
            .map_err(fail)?;
            say!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "iin": iin, "keys": written }))
                    .unwrap_or_default()
            );
            Ok(())
        }
        Command::Serve {
            dir,
            listen,
            passphrase_file,
            stop_on_stdin_eof,
        } => {
            let mut home = Home::open(&dir).map_err(fail)?;
            qoltanba_ra::logging::init(&home.config.log)?;
            let pass = passphrase(passphrase_file.as_deref())?;
            let cas = home.unlock_cas(&pass).map_err(fail)?;
            let identity = home.unlock_tls(&pass).map_err(fail)?;
            drop(pass);
            let listen = listen.unwrap_or(home.config.listen);
            // The node's default name is its host and this address.
            home.config.listen = listen;
            let attestation_roots =
                attestation::load_roots(&home.config.attestation.roots, &home.dir)?;
            if !home.config.tls && !listen.ip().is_loopback() {
                return Err(
                    "plain HTTP is configured, which is allowed on a loopback address only".into(),
                );
            }
            let runtime = tokio::runtime::Runtime::new().map_err(fail)?;
            runtime
                .block_on(async move {
                    // Before anything can take a while: a signal from now on
                    // stops the server gracefully instead of killing it.
                    let shutdown = shutdown_signal(stop_on_stdin_eof)?;
                    let senders =
                        notify::Senders::from_config(&home.config.senders, home.db.clone())
                            .map_err(fail)?;
                    // Clones share connections and the run lock.
                    let notices_senders = senders.clone();
                    let stop_senders = senders.clone();
                    let tls_enabled = home.config.tls;
                    let notices = home.config.notices.clone();
                    let metrics_listen = home.config.metrics.listen;
                    // The retry task of one-time codes (notify::code_delivery).
                    let codes = notify::code_delivery::run_forever(
                        home.db.clone(),
                        senders.clone(),
                        home.config.code_delivery.clone(),
                        home.config.policy.code_ttl_seconds,
                        home.config.node_name(),
                    );
                    let state = AppState::new(
                        home.config,
                        home.db.clone(),
                        cas,
                        senders,
                        attestation_roots,
                    )
                    .map_err(|e| format!("the database cannot give the server's secrets: {e}"))?;
                    let tcp = tokio::net::TcpListener::bind(listen)
                        .await
                        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
                    let local = tcp.local_addr().map_err(fail)?;
                    let metrics_task = match metrics_listen {
                        Some(at) => {
                            let tcp = tokio::net::TcpListener::bind(at).await.map_err(|e| {
                                format!("cannot listen for metrics on {at} ([metrics] listen): {e}")
                            })?;
                            tracing::info!("metrics at http://{at}/metrics");
                            Some(tokio::spawn(metrics::serve(tcp, state.clone())))
                        }
                        None => None,
                    };
                    let scheduler = tokio::spawn(notify::run_forever(
                        home.db.clone(),
                        notices,
                        notices_senders,
                    ));
                    let retries = tokio::spawn(codes);
                    let tls = if tls_enabled {
                        Some(tls::server_config(&identity).map_err(fail)?)
                    } else {
                        None
                    };
                    let scheme = if tls_enabled { "https" } else { "http" };
                    qoltanba_l10n::stdout::print_line(&format!("listening on {scheme}://{local}"))
                        .map_err(|e| e.to_string())?;
                    sd_notify::notify("READY=1");
                    let served = serve::serve(tcp, tls, state, shutdown).await;
                    // The requests are answered; a notice run in progress
                    // finishes, then the background tasks end (a code
                    // delivery cut off here is sent again at the next start).
                    if !notify::wait_for_run(&stop_senders, serve::SHUTDOWN_GRACE).await {
                        tracing::warn!("stopped during an expiry-notice run; the next run sends what it did not");
                    }
                    scheduler.abort();
                    retries.abort();
                    if let Some(task) = metrics_task {
                        task.abort();
                    }
                    tracing::info!("stopped");
                    served.map_err(fail)
                })
                .map_err(Failure::from)
        }
        Command::Applications { command } => match command {
            ApplicationsCommand::List { dir } => {
                let home = Home::open(&dir).map_err(fail)?;
                let conn = home.db.conn();
                let mut stmt = conn
                    .prepare(
                        "SELECT id, iin, state, created_at, attestation FROM applications ORDER BY id DESC",
                    )
                    .map_err(fail)?;
                let rows = stmt
                    .query_map(params![], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, Option<String>>(4)?,
                        ))
                    })
                    .map_err(fail)?;
                for row in rows {
                    let (id, iin, state, created, keys) = row.map_err(fail)?;
                    let created = qoltanba_pki::timestamp::rfc3339_unix(created);
                    // The keys' attestation, e.g. "auth:tee sign:strongbox".
                    let keys = attestation::summary(&attestation::from_column(keys.as_deref()));
                    say!("{id}\t{iin}\t{state}\t{created}\t{keys}");
                }
                Ok(())
            }
            ApplicationsCommand::Reject {
                number,
                reason,
                dir,
            } => {
                let home = Home::open(&dir).map_err(fail)?;
                registry::reject(
                    &home.db,
                    number,
                    &reason,
                    "operator",
                    OffsetDateTime::now_utc(),
                )
                .map_err(fail)?;
                say!("Application {number} rejected.");
                Ok(())
            }
            ApplicationsCommand::Approve {
                number,
                dir,
                passphrase_file,
            } => {
                let home = Home::open(&dir).map_err(fail)?;
                let cas = home
                    .unlock_cas(&passphrase(passphrase_file.as_deref())?)
                    .map_err(fail)?;
                let was = registry::approve(
                    &home.db,
                    &cas,
                    &home.config.public_url,
                    &home.config.policy,
                    number,
                    "operator",
                    OffsetDateTime::now_utc(),
                )
                .map_err(fail)?;
                if was == ApplicationState::Approved {
                    say!(
                        "Application {number} was approved but not issued (the server stopped in between); its certificates are issued now."
                    );
                } else {
                    say!("Application {number} approved and issued.");
                }
                Ok(())
            }
        },
        Command::CheckSenders { dir } => {
            let home = Home::open(&dir).map_err(fail)?;
            let runtime = tokio::runtime::Runtime::new().map_err(fail)?;
            let checked = runtime.block_on(async {
                let senders = notify::Senders::from_config(&home.config.senders, home.db.clone())
                    .map_err(fail)?;
                Ok::<_, String>(senders.check().await)
            })?;
            let mut failed = 0;
            for (channel, result) in checked {
                match result {
                    Ok(what) => say!("{channel}: ok, {what}"),
                    Err(e) => {
                        failed += 1;
                        say!("{channel}: FAILED, {e}");
                    }
                }
            }
            if failed > 0 {
                return Err(fail(format!(
                    "{failed} sender(s) failed the check; fix [senders] in config.toml"
                ))
                .into());
            }
            Ok(())
        }
        Command::Outbox { dir, limit, json } => {
            let home = Home::open(&dir).map_err(fail)?;
            let entries = notify::outbox(&home.db, limit).map_err(fail)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&entries).map_err(fail)?);
            } else {
                for e in entries {
                    say!("{e:?}");
                }
            }
            Ok(())
        }
    }
}

/// What stops `serve`: SIGTERM (systemd, a container runtime), SIGINT
/// (Ctrl-C) or, with `--stop-on-stdin-eof`, standard input closing. The
/// signal handlers are installed now, before the server listens.
fn shutdown_signal(
    stop_on_stdin_eof: bool,
) -> Result<impl std::future::Future<Output = ()> + Send + 'static, String> {
    let (stdin_closed, closed) = tokio::sync::oneshot::channel::<()>();
    if stop_on_stdin_eof {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            let _ = stdin_closed.send(());
        });
    } else {
        std::mem::forget(stdin_closed);
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term =
            signal(SignalKind::terminate()).map_err(|e| format!("cannot handle SIGTERM: {e}"))?;
        let mut int =
            signal(SignalKind::interrupt()).map_err(|e| format!("cannot handle SIGINT: {e}"))?;
        Ok(async move {
            let why = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
                _ = closed => "standard input closed",
            };
            tracing::info!("{why}: stopping");
            sd_notify::notify("STOPPING=1");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = closed => {}
            }
            tracing::info!("stopping");
        })
    }
}

#[cfg(feature = "card-enrolment")]
/// Open a simulator card the way a service-centre terminal would: PACE with
/// the CAN where the card needs it, then the PIN.
fn open_simulator_card(
    file: &Path,
    can_file: Option<&Path>,
    pin_file: Option<&Path>,
) -> Result<qoltanba_card::CardSession, String> {
    use qoltanba_card::secret::{Can, Pin};
    let read = |path: Option<&Path>, what: &str| -> Result<zeroize::Zeroizing<String>, String> {
        let path = path
            .ok_or_else(|| format!("give the card's {what} with --{}-file", what.to_lowercase()))?;
        std::fs::read_to_string(path)
            .map(zeroize::Zeroizing::new)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let card = qoltanba_card_sim::SimCard::open(file).map_err(|e| e.to_string())?;
    let transport = qoltanba_card_sim::transport::SimTransport::new(card);
    let can = match can_file {
        Some(path) => Some(Can::new(&read(Some(path), "CAN")?).map_err(|e| e.to_string())?),
        None => None,
    };
    let mut session = qoltanba_card::CardSession::open(Box::new(transport), None, can.as_ref())
        .map_err(|e| e.to_string())?;
    let pin = Pin::new(&read(pin_file, "card-PIN")?).map_err(|e| e.to_string())?;
    session.verify_pin(&pin).map_err(|e| e.to_string())?;
    Ok(session)
}
