//! `qoltanba layer …`: qoltanba as NCALayer. `serve` answers Kazakh web
//! portals on wss://127.0.0.1:13579 with the keys given to it (the same
//! options and opening code as the other commands: key files, the desktop
//! keystore, the ID card, a token), asking the citizen on this terminal
//! before anything is signed; `allow`, `disallow` and `origins` edit the
//! allow-list of portals; `trust` makes the browsers trust qoltanba's local
//! CA (qoltanba_layer::trust). docs/ncalayer.md has the protocol and the model.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::{Args, Subcommand};
use qoltanba_core::keystore::{PlatformKeystore, SoftwareKeystore};
use qoltanba_core::renewal::{CardHome, FileHome, KeyHome, PlatformHome, RenewalError};
use qoltanba_l10n::{Localize, Text};
use qoltanba_layer::consent::{Answer, Consent, ConsentRequest, KeyChoice};
use qoltanba_layer::keys::{KeySource, KeySourceError, OpenedKey};
use qoltanba_layer::origins::Origins;
use qoltanba_layer::protocol::{STORAGE_ID_CARD, STORAGE_PKCS12};
use qoltanba_layer::server::{DEFAULT_LISTEN, ServerOptions, bind, serve};
use qoltanba_layer::service::Service;
use qoltanba_layer::tls::{self, LocalIdentity, default_dir};
use qoltanba_layer::trust::{self, NssDb, TrustError};
use serde_json::json;

use crate::card::CardArgs;
use crate::error::CliError;
use crate::lang::say;
use crate::output::{say, tell};
use crate::renew::CliUi;
use crate::{Context, output};

#[derive(Subcommand)]
pub enum LayerCommand {
    /// Answer web portals as NCALayer on wss://127.0.0.1:13579, asking you
    /// on this terminal before each signature.
    Serve(Box<ServeArgs>),
    /// Put an origin (https://HOST[:PORT]) on the allow-list of portals.
    Allow { origin: String },
    /// Take an origin off the allow-list.
    Disallow { origin: String },
    /// The allow-list of portals.
    Origins,
    /// Make the browsers trust qoltanba's local CA (the certificate of
    /// wss://127.0.0.1:13579): the shared NSS database (Chromium, Chrome) and
    /// every Firefox profile; prints how to add it to the system store.
    Trust(TrustArgs),
}

/// Where the layer keeps its CA, certificate and allow-list.
#[derive(Args)]
pub struct HomeArgs {
    /// The layer's home (default: QOLTANBA_LAYER_DIR, else
    /// ~/.local/share/qoltanba/layer).
    #[arg(long, value_name = "DIR", global = true)]
    home: Option<PathBuf>,
}

#[derive(Args)]
pub struct ServeArgs {
    /// The loopback address to listen on.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// An NCA key file (storage PKCS12); repeat for more.
    #[arg(long = "key-file", value_name = "FILE")]
    key_files: Vec<PathBuf>,
    /// The desktop keystore in DIR (offered to portals as PKCS12).
    #[arg(long, value_name = "DIR")]
    keystore: Option<PathBuf>,
    /// The ID card (storage AKKZIDCardStore): --reader NAME or --simulator FILE.
    #[command(flatten)]
    card: CardArgs,
    /// A USB token through its PKCS#11 module.
    #[command(flatten)]
    token: crate::token::TokenArgs,
    /// The RFC 3161 time-stamp authority for CAdES-T, when a page asks for a
    /// time-stamp (basics' tsaProfile).
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
    /// The largest request accepted, in bytes.
    #[arg(long, default_value_t = qoltanba_layer::server::DEFAULT_MAX_FRAME)]
    max_frame: usize,
}

#[derive(Args)]
pub struct TrustArgs {
    /// Take qoltanba's CA out of the databases instead.
    #[arg(long)]
    remove: bool,
    /// Only this NSS database (a directory holding cert9.db); repeatable.
    /// Without it: ~/.pki/nssdb and every Firefox profile found.
    #[arg(long = "nss-db", value_name = "DIR")]
    nss_db: Vec<PathBuf>,
}

fn home_dir(args: &HomeArgs) -> Result<PathBuf, CliError> {
    args.home.clone().or_else(default_dir).ok_or_else(|| {
        CliError::usage("no home directory: give --home DIR or set QOLTANBA_LAYER_DIR")
    })
}

pub fn run(home: HomeArgs, command: LayerCommand, ctx: &Context) -> Result<(), CliError> {
    let dir = home_dir(&home)?;
    let origins = || Origins::load(&dir).map_err(CliError::failed);
    match command {
        LayerCommand::Serve(args) => run_serve(&dir, *args, ctx),
        LayerCommand::Trust(args) => run_trust(&dir, args, ctx),
        LayerCommand::Allow { origin } => {
            let origin = origins()?.allow(&origin).map_err(CliError::failed)?;
            if ctx.json {
                return output::json(&json!({ "allowed": origin }));
            }
            say!("{origin}");
            Ok(())
        }
        LayerCommand::Disallow { origin } => {
            let was = origins()?.disallow(&origin).map_err(CliError::failed)?;
            if ctx.json {
                return output::json(&json!({ "disallowed": origin, "was_allowed": was }));
            }
            Ok(())
        }
        LayerCommand::Origins => {
            let origins = origins()?;
            if ctx.json {
                return output::json(&json!({ "origins": origins.list() }));
            }
            for o in origins.list() {
                say!("{o}");
            }
            Ok(())
        }
    }
}

fn run_serve(dir: &Path, args: ServeArgs, ctx: &Context) -> Result<(), CliError> {
    if !args.listen.ip().is_loopback() {
        return Err(CliError::usage(format!(
            "--listen {} is not a loopback address; qoltanba answers pages on this computer only (use 127.0.0.1:13579)",
            args.listen
        )));
    }
    // Every request is put to the citizen here; without a terminal nothing
    // could be allowed, and a server that refuses everything helps no one.
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "qoltanba layer serve asks you on its terminal before each signature; run it in a terminal",
        ));
    }
    let sources = key_sources(&args)?;
    if sources.is_empty() {
        return Err(CliError::usage(
            "give the keys to offer: --key-file FILE, --keystore DIR, --simulator FILE or --reader NAME, --token MODULE",
        ));
    }
    let identity = LocalIdentity::load_or_create(dir).map_err(CliError::said)?;
    if identity.is_new() {
        // First use, or the old CA expired: no browser trusts this one yet.
        tell!("{}", say(&Text::new("layer-trust-needed")));
    }
    let tls = identity.server_config().map_err(CliError::failed)?;
    let origins = Origins::load(dir).map_err(CliError::failed)?;
    let revoked: Vec<String> = crate::store::open_store()?
        .certificates()
        .map_err(CliError::said)?
        .into_iter()
        .filter(|c| c.revoked)
        .map(|c| c.serial)
        .collect();
    let service = Service::new(sources, Box::new(TerminalConsent), origins, revoked)
        .judged_at(Some(ctx.at).filter(|_| ctx.at_given))
        .with_tsa(
            args.tsa
                .clone()
                .map(qoltanba_core::tsa::TimestampAuthority::new),
        );
    let service = Arc::new(Mutex::new(service));
    let runtime = tokio::runtime::Runtime::new().map_err(|e| CliError::io("starting", e))?;
    runtime.block_on(async {
        let listener = bind(args.listen).await.map_err(CliError::failed)?;
        let addr = listener
            .local_addr()
            .map_err(|e| CliError::io("listening", e))?;
        tell!(
            "{}",
            say(&Text::new("layer-serving").arg("addr", addr.to_string()))
        );
        if ctx.json {
            output::json(&json!({ "listening": addr.to_string(), "ca": identity.ca_path() }))?;
        }
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        serve(
            listener,
            tls,
            service,
            ServerOptions {
                max_frame: args.max_frame,
            },
            shutdown,
        )
        .await;
        Ok(())
    })
}

/// The key sources the options name.
fn key_sources(args: &ServeArgs) -> Result<Vec<Box<dyn KeySource>>, CliError> {
    let mut sources: Vec<Box<dyn KeySource>> = Vec::new();
    for file in &args.key_files {
        if !file.is_file() {
            return Err(CliError::usage(format!(
                "--key-file {}: no such file",
                file.display()
            )));
        }
        sources.push(Box::new(KeyFileSource { path: file.clone() }));
    }
    if let Some(dir) = &args.keystore {
        let keystore = SoftwareKeystore::open(dir).map_err(CliError::failed)?;
        sources.push(Box::new(KeystoreSource {
            dir: dir.clone(),
            keystore: Arc::new(keystore),
        }));
    }
    if args.card.reader.is_some() || args.card.simulator.is_some() {
        sources.push(Box::new(CardSource {
            args: args.card.clone(),
        }));
    }
    if let Some(module) = &args.token.module {
        sources.push(Box::new(TokenSource {
            module: module.clone(),
            label: args.token.token_label.clone(),
            pin_file: args.card.pin_file.clone(),
        }));
    }
    Ok(sources)
}

/// A UI for opening current keys: the password from the CLI's secret input
/// (a prompt without echo on this terminal), nothing else.
fn opening_ui() -> CliUi {
    CliUi {
        password_file: None,
        new_password_file: None,
        code: None,
        json: true,
        yes: false,
        confirm_review: false,
        secret_error: None,
    }
}

fn key_error(e: RenewalError) -> KeySourceError {
    match e {
        RenewalError::NoPassword => KeySourceError::NoSecret,
        e => KeySourceError::Failed(say(&e.text())),
    }
}

fn cli_error(e: CliError) -> KeySourceError {
    KeySourceError::Failed(e.to_string())
}

/// Every current key of `home` at `locations`.
fn open_all(
    home: &mut dyn KeyHome,
    locations: Vec<PathBuf>,
    label: impl Fn(&Path) -> String,
) -> Result<Vec<OpenedKey>, KeySourceError> {
    let mut ui = opening_ui();
    let mut keys = Vec::new();
    for location in locations {
        let (signer, certificate) = home.open_current(&location, &mut ui).map_err(key_error)?;
        keys.push(OpenedKey {
            label: label(&location),
            signer,
            certificate,
        });
    }
    Ok(keys)
}

/// An NCA key file: storage PKCS12, opened with its password.
struct KeyFileSource {
    path: PathBuf,
}

impl KeySource for KeyFileSource {
    fn storage(&self) -> &str {
        STORAGE_PKCS12
    }
    fn is_hardware(&self) -> bool {
        false
    }
    fn label(&self) -> String {
        format!("key file {}", self.path.display())
    }
    fn open(&mut self) -> Result<Vec<OpenedKey>, KeySourceError> {
        let label = self.label();
        open_all(
            &mut FileHome::new(PathBuf::new()),
            vec![self.path.clone()],
            |_| label.clone(),
        )
    }
}

/// The desktop keystore: software keys like key files, so portals reach it
/// as PKCS12 (they know no other name for software keys).
struct KeystoreSource {
    dir: PathBuf,
    keystore: Arc<SoftwareKeystore>,
}

impl KeySource for KeystoreSource {
    fn storage(&self) -> &str {
        STORAGE_PKCS12
    }
    fn is_hardware(&self) -> bool {
        false
    }
    fn label(&self) -> String {
        format!("desktop keystore {}", self.dir.display())
    }
    fn open(&mut self) -> Result<Vec<OpenedKey>, KeySourceError> {
        let locations: Vec<PathBuf> = self
            .keystore
            .list()
            .map_err(|e| KeySourceError::Failed(e.to_string()))?
            .into_iter()
            .filter(|k| k.certificate.is_some())
            .map(|k| PathBuf::from(format!("keystore:{}", k.alias)))
            .collect();
        let mut home = PlatformHome::new(self.keystore.clone());
        open_all(&mut home, locations, |l| l.display().to_string())
    }
}

/// The ID card: opened with its PIN (and CAN where the card needs one).
struct CardSource {
    args: CardArgs,
}

impl KeySource for CardSource {
    fn storage(&self) -> &str {
        STORAGE_ID_CARD
    }
    fn is_hardware(&self) -> bool {
        true
    }
    /// The card answers in its reader (no CAN or PIN needed to ask).
    fn is_present(&mut self) -> bool {
        crate::card::detect(&self.args).is_ok()
    }
    fn label(&self) -> String {
        match (&self.args.reader, &self.args.simulator) {
            (Some(reader), _) => format!("ID card in {reader}"),
            (_, Some(file)) => format!("ID card (simulator {})", file.display()),
            _ => "ID card".into(),
        }
    }
    fn open(&mut self) -> Result<Vec<OpenedKey>, KeySourceError> {
        let session = crate::card::open_with_pin(&self.args).map_err(cli_error)?;
        let known = crate::store::open_store()
            .and_then(|s| crate::card::stored_card_certificates(&s))
            .map_err(cli_error)?;
        let mut home = CardHome::new(Arc::new(Mutex::new(session)), known, PathBuf::new());
        let locations = home.current_locations().map_err(key_error)?;
        open_all(&mut home, locations, |l| format!("ID card {}", l.display()))
    }
}

/// A USB token: NCA names tokens by their make.
struct TokenSource {
    module: PathBuf,
    label: Option<String>,
    pin_file: Option<PathBuf>,
}

impl KeySource for TokenSource {
    fn storage(&self) -> &str {
        let name = self.module.to_string_lossy().to_ascii_lowercase();
        if name.contains("etpkcs11") || name.contains("etoken") {
            "AKEToken72KStore"
        } else if name.contains("jcpkcs11") || name.contains("jacarta") {
            "AKJaCartaStore"
        } else {
            "AKKaztokenStore"
        }
    }
    fn is_hardware(&self) -> bool {
        true
    }
    fn label(&self) -> String {
        format!("token ({})", self.module.display())
    }
    /// The module loads and a token is inserted (no PIN needed to ask).
    fn is_present(&mut self) -> bool {
        qoltanba_token::Module::open(&self.module)
            .and_then(|m| m.token(self.label.as_deref()))
            .is_ok()
    }
    fn open(&mut self) -> Result<Vec<OpenedKey>, KeySourceError> {
        let session = crate::token::login(
            &self.module,
            self.label.as_deref(),
            self.pin_file.as_deref(),
        )
        .map_err(cli_error)?;
        let mut home = qoltanba_token::TokenHome::new(session);
        let locations = home
            .current_locations(time::OffsetDateTime::now_utc())
            .map_err(|e| KeySourceError::Failed(say(&e.text())))?;
        open_all(&mut home, locations, |l| format!("token {}", l.display()))
    }
}

/// The consent prompt on the terminal `serve` runs in: the request on
/// stderr (as qoltanba_layer::prompt renders it), the answers read from
/// stdin, passwords and PINs by the CLI's secret input (no echo), in the
/// citizen's language.
struct TerminalConsent;

/// The terminal's width, for cutting the page's values to one line.
fn terminal_width() -> usize {
    rustix::termios::tcgetwinsize(std::io::stderr())
        .ok()
        .map(|w| usize::from(w.ws_col))
        .filter(|&w| w >= 20)
        .unwrap_or(qoltanba_layer::prompt::DEFAULT_WIDTH)
}

/// Ask `question` and read one answer line. What was typed before the
/// question was shown is thrown away first (the terminal's input queue
/// flushed): a line typed ahead, or queued while an earlier prompt was
/// open, never answers a question the citizen has not seen. The line is
/// read straight from the descriptor, never left in a buffer for the next
/// question.
fn ask_line(question: &str) -> String {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(question.as_bytes());
    let _ = err.flush();
    drop(err);
    let stdin = std::io::stdin();
    // Not a terminal (a test's pipe): nothing to flush.
    let _ = rustix::termios::tcflush(&stdin, rustix::termios::QueueSelector::IFlush);
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    // An answer is a word; a longer line is no answer.
    while line.len() < 256 {
        match rustix::io::read(&stdin, &mut byte) {
            Ok(1) if byte[0] == b'\n' => break,
            Ok(1) => line.push(byte[0]),
            Err(rustix::io::Errno::INTR) => continue,
            _ => break,
        }
    }
    String::from_utf8_lossy(&line).trim().to_owned()
}

/// A number from 1 to `count` (typed as the citizen sees it); `None` otherwise.
fn chosen(answer: &str, count: usize) -> Option<usize> {
    if count == 1 && matches!(answer, "y" | "Y" | "yes" | "д" | "да" | "и" | "иә") {
        return Some(0);
    }
    answer
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=count).contains(n))
        .map(|n| n - 1)
}

impl Consent for TerminalConsent {
    fn ask(&mut self, request: &ConsentRequest) -> Answer {
        let prompt = qoltanba_layer::prompt::request_prompt(
            crate::lang::locale(),
            request,
            terminal_width(),
        );
        let answer = ask_line(&prompt);
        if matches!(answer.as_str(), "x" | "X" | "х" | "Х") {
            return Answer::RefuseOrigin;
        }
        let Some(source) = chosen(&answer, request.sources.len()) else {
            tell!("{}", say(&Text::new("layer-prompt-declined")));
            return Answer::Decline;
        };
        let mut remember_origin = false;
        if !request.origin_allowed
            && request
                .origin
                .as_deref()
                .is_some_and(|o| o.starts_with("https://"))
        {
            let answer = ask_line(&say(&Text::new("layer-prompt-question-origin")));
            remember_origin = matches!(answer.as_str(), "y" | "Y" | "yes");
        }
        Answer::Allow {
            source,
            remember_origin,
        }
    }

    fn choose_key(&mut self, keys: &[KeyChoice]) -> Option<usize> {
        let prompt =
            qoltanba_layer::prompt::keys_prompt(crate::lang::locale(), keys, terminal_width());
        let answer = chosen(&ask_line(&prompt), keys.len());
        if answer.is_none() {
            tell!("{}", say(&Text::new("layer-prompt-declined")));
        }
        answer
    }

    fn tell(&mut self, message: &Text) {
        tell!("!! {}", say(message));
    }

    fn show_key(&mut self, key: &KeyChoice) {
        tell!(
            "{}",
            qoltanba_layer::prompt::key_line(crate::lang::locale(), key, terminal_width())
        );
    }

    fn page_left(&mut self) {
        tell!("{}", say(&Text::new("layer-prompt-page-left")));
    }
}

fn databases(args: &TrustArgs) -> Result<Vec<NssDb>, CliError> {
    if !args.nss_db.is_empty() {
        return Ok(args.nss_db.iter().cloned().map(NssDb::given).collect());
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| CliError::said(TrustError::NoHome))?;
    Ok(trust::browser_databases(&PathBuf::from(home)))
}

fn run_trust(dir: &Path, args: TrustArgs, ctx: &Context) -> Result<(), CliError> {
    let dbs = databases(&args)?;
    if args.remove {
        return remove(&dbs, ctx);
    }
    let identity = LocalIdentity::load_or_create(dir).map_err(CliError::said)?;
    let nickname = identity.ca_nickname();
    let mut done = Vec::new();
    for db in &dbs {
        trust::install(&identity, db).map_err(CliError::said)?;
        done.push(json!({"database": db.path, "trusted": nickname}));
        if !ctx.json {
            say!(
                "{}",
                say(&Text::new("layer-trust-installed")
                    .arg("nickname", nickname.as_str())
                    .arg("path", db.path.display().to_string()))
            );
        }
    }
    let stores = trust::os_stores(identity.ca_path());
    if ctx.json {
        let os: Vec<_> = stores
            .iter()
            .map(|s| json!({"system": s.system, "command": s.add}))
            .collect();
        return output::json(&json!({
            "ca": identity.ca_path(),
            "nickname": nickname,
            "databases": done,
            "os_stores": os,
        }));
    }
    say!();
    let intro =
        Text::new("layer-trust-os-add").arg("path", identity.ca_path().display().to_string());
    say!("{}", say(&intro));
    for store in &stores {
        say!("  {}:\n    {}", store.system, store.add);
    }
    Ok(())
}

/// `--remove`: every qoltanba CA out of the databases; no identity is made.
fn remove(dbs: &[NssDb], ctx: &Context) -> Result<(), CliError> {
    let mut done = Vec::new();
    for db in dbs {
        let removed = trust::remove(db).map_err(CliError::said)?;
        done.push(json!({"database": db.path, "removed": removed}));
        if !ctx.json {
            say!(
                "{}",
                say(&Text::new("layer-trust-removed")
                    .arg("count", removed)
                    .arg("path", db.path.display().to_string()))
            );
        }
    }
    // The removal commands name the CA, not its file.
    let stores = trust::os_stores(std::path::Path::new(tls::CA_FILE_NAME));
    if ctx.json {
        let os: Vec<_> = stores
            .iter()
            .map(|s| json!({"system": s.system, "command": s.remove}))
            .collect();
        return output::json(&json!({"databases": done, "os_stores": os}));
    }
    say!();
    say!("{}", say(&Text::new("layer-trust-os-remove")));
    for store in &stores {
        say!("  {}:\n    {}", store.system, store.remove);
    }
    Ok(())
}
