//! `qoltanba renew`, `status`, `revoke`: the renewal flow of the core, on the
//! desktop. The flow itself lives in `qoltanba_core::renewal`; this file
//! only supplies passwords, the code and progress, and prints.

use qoltanba_l10n::Text;
use std::io::IsTerminal;

use crate::lang::say;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use clap::Args;
use qoltanba_core::keystore::SoftwareKeystore;
use qoltanba_core::ra::{RaClient, RaConfig};
use qoltanba_core::renewal::{
    CardHome, CardReader, FileHome, HomeRecord, KeyHome, Outcome, PlatformHome, Renewal,
    RenewalError, RenewalRequest, RenewalState, RenewalUi, Review, ReviewAnswer, Step, Summary,
};
use qoltanba_core::store::Store;
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_pki::protocol::{CodeDelivery, CodeDeliveryState};
use qoltanba_pki::reissue::StorageKind;
use qoltanba_pki::timestamp::rfc3339;
use qoltanba_token::TokenHome;
use serde_json::json;

use crate::card::CardArgs;
use crate::error::CliError;
use crate::keys::{current_password, new_password};
use crate::output::{note, say, tell};
use crate::store::open_store;
use crate::token::TokenArgs;
use crate::{Context, output, read_file};

/// Exit code of a renewal waiting for its one-time code.
pub const EXIT_NEEDS_CODE: u8 = 4;
/// Exit code of a renewal waiting for the citizen to confirm its review.
pub const EXIT_NEEDS_REVIEW: u8 = 5;

#[derive(Args)]
pub struct RenewArgs {
    /// The RA's base URL, e.g. https://127.0.0.1:8443.
    #[arg(long)]
    server: Option<String>,
    /// The RA's root certificate (PEM or DER): the only one trusted for HTTPS.
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// The current key files (one GOST512_ file, or the AUTH_ and SIGN files).
    #[arg(long, num_args = 1..)]
    keys: Vec<PathBuf>,
    /// The e-mail for the new certificates (default: the current one's).
    #[arg(long)]
    email: Option<String>,
    #[arg(long, default_value = "Астана")]
    locality: String,
    /// Where the new key files go.
    #[arg(long, default_value = "new-keys")]
    new_keys_dir: PathBuf,
    /// The current key files' password.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// The new key files' password.
    #[arg(long, value_name = "FILE")]
    new_password_file: Option<PathBuf>,
    /// The one-time code (else asked at a prompt; without a terminal the
    /// renewal pauses and `--resume --code` continues it).
    #[arg(long)]
    code: Option<String>,
    /// Continue the unfinished renewal (or the one numbered N).
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "0")]
    resume: Option<i64>,
    /// With --resume: ask the RA for a new one-time code (the SMS did not
    /// come); the code of an earlier SMS then stops working.
    #[arg(long, requires = "resume", conflicts_with = "code")]
    resend_code: bool,
    /// The current and the new keys are on the ID card in this PC/SC reader.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["keys", "card_simulator"])]
    card_reader: Option<String>,
    /// The current and the new keys are on this simulator card.
    #[arg(long, value_name = "FILE", conflicts_with = "keys")]
    card_simulator: Option<PathBuf>,
    /// The card profile (found from the card when omitted).
    #[arg(long, value_name = "NAME")]
    card_profile: Option<String>,
    /// A file holding the card's CAN.
    #[arg(long, value_name = "FILE")]
    can_file: Option<PathBuf>,
    /// A file holding the card's PIN.
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
    /// The current certificates, for a card that keeps none (kz-idcard).
    #[arg(long = "card-cert", value_name = "FILE")]
    card_certs: Vec<PathBuf>,
    /// Answer yes to every question: the review of the application, and
    /// generating a key in a card slot (kz-idcard GENERATE erases the slot).
    #[arg(long)]
    yes: bool,
    /// Confirm the application's review without asking (it is printed
    /// first); other questions are still asked.
    #[arg(long)]
    confirm: bool,
    /// Put the new keys in the desktop keystore in DIR (software: sealed
    /// under DIR/store.key) instead of key files; `--keys` may then also
    /// name keys in it as keystore:ALIAS.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["card_reader", "card_simulator"])]
    keystore: Option<PathBuf>,
    /// The current and the new keys are on a USB token behind this PKCS#11
    /// module (--token-label L chooses among several tokens; --pin-file F
    /// or QOLTANBA_TOKEN_PIN or a prompt gives its PIN).
    #[command(flatten)]
    token: TokenArgs,
}

impl RenewArgs {
    fn card(&self) -> Option<CardArgs> {
        if self.card_reader.is_none() && self.card_simulator.is_none() {
            return None;
        }
        Some(CardArgs {
            reader: self.card_reader.clone(),
            simulator: self.card_simulator.clone(),
            profile: self.card_profile.clone(),
            can_file: self.can_file.clone(),
            pin_file: self.pin_file.clone(),
        })
    }
}

/// The ID card as the renewal's key home: open it, verify the PIN. A card
/// that keeps no certificates (kz-idcard) gets them from `--card-cert` and
/// from this device's store (the certificates an earlier card renewal
/// installed). The reader is remembered with the renewal; certificates the
/// card cannot store go to `export_dir`.
fn card_home(
    args: &RenewArgs,
    card: &CardArgs,
    store: &Store,
    export_dir: &Path,
) -> Result<CardHome, CliError> {
    let session = crate::card::open_with_pin(card)?;
    let mut known = crate::card::certificate_files(&args.card_certs)?;
    known.extend(crate::card::stored_card_certificates(store)?);
    let home = CardHome::new(Arc::new(Mutex::new(session)), known, export_dir);
    Ok(match card_reader(card) {
        Some(reader) => home.with_reader(reader),
        None => home,
    })
}

/// Where `card` says the card is, as a renewal remembers it.
fn card_reader(card: &CardArgs) -> Option<CardReader> {
    match (&card.reader, &card.simulator) {
        (Some(name), _) => Some(CardReader::Pcsc(name.clone())),
        (None, Some(file)) => Some(CardReader::Simulator(absolute(file))),
        (None, None) => None,
    }
}

/// `path` made absolute, so that a resume from another directory finds it.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The USB token as the renewal's key home: open the module, log in.
fn token_home(args: &RenewArgs) -> Result<TokenHome, CliError> {
    let module = args
        .token
        .module
        .as_deref()
        .ok_or_else(|| CliError::usage("give --token MODULE"))?;
    token_home_at(module, args.token.token_label.as_deref(), args)
}

fn token_home_at(
    module: &Path,
    label: Option<&str>,
    args: &RenewArgs,
) -> Result<TokenHome, CliError> {
    let session = crate::token::login(module, label, args.pin_file.as_deref())?;
    Ok(TokenHome::new(session))
}

/// The home resumed renewal `id` works with: the one the flags name, else
/// the one the renewal remembers (renewals stored before homes were
/// remembered remember none). The secrets are asked for, named, as the
/// home needs them; a home of another kind than the renewal's is refused
/// when the renewal resumes.
fn resume_home(
    args: &RenewArgs,
    store: &Store,
    id: i64,
    state: &RenewalState,
) -> Result<Box<dyn KeyHome>, CliError> {
    let remembered = state.home.as_ref();
    // Where the renewal's start put new key files and exported certificates.
    let new_keys_dir = state.request.new_keys_dir.clone();
    // Flags naming another kind of home are refused before any secret is
    // asked for (the flow refuses them too).
    let named = if args.token.module.is_some() {
        Some(StorageKind::Token)
    } else if args.card().is_some() {
        Some(StorageKind::IdCard)
    } else {
        args.keystore
            .as_ref()
            .map(|_| StorageKind::PlatformKeystore)
    };
    if let (Some(given), Some(home)) = (named, remembered)
        && given != home.storage()
    {
        return Err(CliError::said(RenewalError::OtherHome {
            remembered: home.storage(),
            given,
        }));
    }
    if args.token.module.is_some() {
        return Ok(Box::new(token_home(args)?));
    }
    if let Some(mut card) = args.card() {
        if card.profile.is_none()
            && let Some(HomeRecord::IdCard { profile, .. }) = remembered
        {
            card.profile = Some(profile.clone());
        }
        return Ok(Box::new(card_home(args, &card, store, &new_keys_dir)?));
    }
    if let Some(dir) = &args.keystore {
        return Ok(Box::new(keystore_home(dir)?));
    }
    match remembered {
        Some(HomeRecord::IdCard {
            profile,
            reader: Some(reader),
            ..
        }) => {
            let (reader, simulator) = match reader {
                CardReader::Pcsc(name) => (Some(name.clone()), None),
                CardReader::Simulator(file) => (None, Some(file.clone())),
            };
            let card = CardArgs {
                reader,
                simulator,
                profile: args.card_profile.clone().or_else(|| Some(profile.clone())),
                can_file: args.can_file.clone(),
                pin_file: args.pin_file.clone(),
            };
            Ok(Box::new(card_home(args, &card, store, &new_keys_dir)?))
        }
        Some(HomeRecord::IdCard { reader: None, .. }) => Err(CliError::usage_text(
            Text::new("cli-renewal-card-where").arg("renewal", id),
        )),
        Some(HomeRecord::Token {
            module: Some(module),
            label,
        }) => {
            let label = args.token.token_label.as_deref().or(label.as_deref());
            Ok(Box::new(token_home_at(module, label, args)?))
        }
        Some(HomeRecord::Token { module: None, .. }) => Err(CliError::usage(
            "this renewal's keys are on a USB token; resume it with --token MODULE",
        )),
        Some(HomeRecord::Keystore { dir: Some(dir) }) => Ok(Box::new(keystore_home(dir)?)),
        Some(HomeRecord::Keystore { dir: None }) => Err(CliError::usage(
            "this renewal's new keys are in a keystore; resume it with --keystore DIR",
        )),
        Some(HomeRecord::KeyFiles) => Ok(Box::new(FileHome::new(new_keys_dir))),
        None => {
            if on_token(store, id)? {
                return Err(CliError::usage(
                    "this renewal's keys are on a USB token; resume it with --token MODULE",
                ));
            }
            Ok(Box::new(FileHome::new(new_keys_dir)))
        }
    }
}

/// Whether renewal `id` renews keys on a token (its AUTH key's location is
/// recorded as `token:…`).
fn on_token(store: &Store, id: i64) -> Result<bool, CliError> {
    let Some(stored) = store.renewal(id).map_err(CliError::failed)? else {
        return Ok(false);
    };
    let state: serde_json::Value = serde_json::from_str(&stored.state).map_err(CliError::failed)?;
    let Some(auth) = state["auth_file"].as_str() else {
        return Ok(false);
    };
    let location = format!("token:{auth}");
    Ok(store
        .certificates()
        .map_err(CliError::failed)?
        .iter()
        .any(|c| c.location == location))
}

fn der_of(bytes: Vec<u8>) -> Vec<u8> {
    KzCertificate::parse(&bytes)
        .map(|c| c.der().to_vec())
        .unwrap_or(bytes)
}

/// The CLI's side of the flow.
pub struct CliUi {
    pub password_file: Option<PathBuf>,
    pub new_password_file: Option<PathBuf>,
    pub code: Option<String>,
    pub json: bool,
    /// `--yes`: confirm irreversible card steps without asking.
    pub yes: bool,
    /// `--confirm` or `--yes`: confirm the review without asking.
    pub confirm_review: bool,
    /// Why the last password asked for was not given (named, with its flag
    /// and variable): said instead of the flow's bare "no password".
    pub secret_error: Option<CliError>,
}

impl CliUi {
    /// The flow's error as the CLI says it: a missing password by its name.
    pub fn failed(&mut self, e: RenewalError) -> CliError {
        match (e, self.secret_error.take()) {
            (RenewalError::NoPassword, Some(named)) => named,
            (e, _) => CliError::said(e),
        }
    }
}

impl RenewalUi for CliUi {
    fn current_password(&mut self, _file: &Path) -> Option<Password> {
        current_password(self.password_file.as_deref())
            .map_err(|e| self.secret_error = Some(e))
            .ok()
    }

    fn new_password(&mut self) -> Option<NewPassword> {
        new_password(self.new_password_file.as_deref())
            .map_err(|e| self.secret_error = Some(e))
            .ok()
    }

    fn code(&mut self, number: i64, _sent_to: Option<&str>) -> Option<String> {
        if let Some(code) = self.code.take() {
            return Some(code);
        }
        if !std::io::stdin().is_terminal() {
            return None;
        }
        rpassword::prompt_password(say(&Text::new("cli-code-prompt").arg("number", number))).ok()
    }

    fn progress(&mut self, message: &Text) {
        if !self.json {
            note!("  · {}", say(message));
        }
    }

    fn review(&mut self, review: &Review) -> ReviewAnswer {
        if !self.json {
            print_review(review);
        }
        if self.confirm_review {
            return ReviewAnswer::Confirm;
        }
        if !std::io::stdin().is_terminal() {
            return ReviewAnswer::Later;
        }
        note!(
            "{} [y/N]",
            crate::lang::say(&qoltanba_l10n::Text::new("cli-review-question"))
        );
        let mut answer = String::new();
        match std::io::stdin().read_line(&mut answer) {
            Ok(_) if answer.trim().eq_ignore_ascii_case("y") => ReviewAnswer::Confirm,
            _ => ReviewAnswer::Decline,
        }
    }

    fn confirm(&mut self, question: &Text) -> bool {
        let question = say(question);
        if self.yes {
            return true;
        }
        if !std::io::stdin().is_terminal() {
            tell!(
                "{}",
                say(&Text::new("cli-not-confirmed").arg("question", question))
            );
            return false;
        }
        note!("{question} [y/N]");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).is_ok() && answer.trim().eq_ignore_ascii_case("y")
    }

    fn committed(&mut self, step: Step) {
        // The crash tests' hook: die right after this commit, as a killed
        // app would.
        if std::env::var("QOLTANBA_TEST_ABORT_AFTER").ok().as_deref() == Some(step.name()) {
            std::process::abort();
        }
    }
}

/// The review as the citizen reads it in a terminal.
pub fn print_review(review: &Review) {
    use qoltanba_l10n::Text;
    let say = |text: Text| crate::lang::say(&text);
    note!("{}", say(Text::new("cli-review-title")));
    note!(
        "  {}",
        say(Text::new("cli-review-holder")
            .arg("name", review.holder.as_str())
            .arg("iin", review.iin.as_str()))
    );
    note!(
        "  {}",
        say(Text::new("cli-review-email").arg("email", review.email.as_str()))
    );
    note!(
        "  {}",
        say(Text::new("cli-review-locality").arg("locality", review.locality.as_str()))
    );
    note!(
        "  {}",
        say(Text::new("cli-review-storage").arg("storage", storage_name(review.storage)))
    );
    note!(
        "  {}",
        say(Text::new("cli-review-algorithm").arg("algorithm", review.algorithm.as_str()))
    );
    let validity = match review.validity_days {
        Some(days) => Text::new("cli-review-validity").arg("days", i64::from(days)),
        None => Text::new("cli-review-validity-unknown"),
    };
    note!("  {}", say(validity));
    note!(
        "  {}",
        say(Text::new("cli-review-replaces").arg("serials", review.replaces.join(", ")))
    );
    for warning in &review.warnings {
        note!("  ! {}", warning_text(*warning));
    }
}

fn storage_name(storage: qoltanba_pki::reissue::StorageKind) -> String {
    use qoltanba_l10n::Localize;
    crate::lang::say(&storage.text())
}

fn warning_text(warning: qoltanba_core::renewal::ReviewWarning) -> String {
    use qoltanba_l10n::Localize;
    crate::lang::say(&warning.text())
}

pub fn print_summary(summary: &Summary, ctx: &Context) -> Result<(), CliError> {
    if ctx.json {
        return output::json(&json!({ "done": true, "summary": summary }));
    }
    say!(
        "{}",
        say(&Text::new("cli-renewed")
            .arg("renewal", summary.renewal)
            .arg("application", summary.application))
    );
    say!("  replaced: {}", summary.old_serials.join(", "));
    for c in &summary.new {
        say!(
            "  new {} certificate {} ({}), valid {} .. {}",
            c.purpose,
            c.serial,
            c.algorithm,
            rfc3339(c.not_before),
            rfc3339(c.not_after)
        );
        say!("      key: {}", c.file.display());
    }
    Ok(())
}

pub fn run_renew(args: RenewArgs, ctx: &Context) -> Result<u8, CliError> {
    let store = open_store()?;
    let mut ui = CliUi {
        password_file: args.password_file.clone(),
        new_password_file: args.new_password_file.clone(),
        code: args.code.clone(),
        json: ctx.json,
        yes: args.yes,
        confirm_review: args.confirm || args.yes,
        secret_error: None,
    };
    let card = args.card();
    if args.token.module.is_some()
        && (card.is_some() || args.keystore.is_some() || !args.keys.is_empty())
    {
        return Err(CliError::usage(
            "--token renews the keys on the token; leave out --keys, --keystore and the card options",
        ));
    }
    let client = ra_client(&store, args.server.as_deref(), args.ca_cert.as_deref())?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| CliError::io("starting", e))?;

    let mut renewal = match args.resume {
        Some(n) => {
            let id = if n > 0 {
                n
            } else {
                store
                    .unfinished_renewals()
                    .map_err(CliError::said)?
                    .last()
                    .map(|r| r.id)
                    .ok_or_else(|| CliError::text(Text::new("cli-no-renewal-to-resume")))?
            };
            if !ctx.json {
                say!(
                    "{}",
                    say(&Text::new("cli-renewal-resuming").arg("renewal", id))
                );
            }
            let state = Renewal::load_state(&store, id).map_err(CliError::said)?;
            let home = resume_home(&args, &store, id, &state)?;
            Renewal::resume_with_home(&store, client, home, id).map_err(CliError::said)?
        }
        None => {
            let (mut home, locations, kind): (Box<dyn KeyHome>, Vec<PathBuf>, &str) =
                match (&card, &args.keystore) {
                    _ if args.token.module.is_some() => {
                        let home = token_home(&args)?;
                        let locations = home.current_locations(ctx.at).map_err(CliError::failed)?;
                        (Box::new(home), locations, " (keys on the token)")
                    }
                    (Some(card), _) => {
                        let home = card_home(&args, card, &store, &args.new_keys_dir)?;
                        let locations = home.current_locations().map_err(CliError::said)?;
                        (Box::new(home), locations, "card")
                    }
                    (None, keystore) => {
                        if args.keys.is_empty() {
                            return Err(CliError::usage(
                                "give the current key files with --keys FILE…",
                            ));
                        }
                        let home: Box<dyn KeyHome> = match keystore {
                            Some(dir) => Box::new(keystore_home(dir)?),
                            None => Box::new(FileHome::new(args.new_keys_dir.clone())),
                        };
                        let kind = if keystore.is_some() {
                            "keystore"
                        } else {
                            "file"
                        };
                        (home, args.keys.clone(), kind)
                    }
                };
            let email = match &args.email {
                Some(e) => e.clone(),
                None => current_email(home.as_mut(), &locations, &mut ui)?,
            };
            let request = RenewalRequest {
                key_files: locations,
                email,
                locality: args.locality.clone(),
                new_keys_dir: args.new_keys_dir.clone(),
            };
            let renewal = Renewal::start_with_home(&store, client, home, request, &mut ui)
                .map_err(|e| ui.failed(e))?;
            if !ctx.json {
                say!(
                    "{}",
                    say(&Text::new("cli-renewal-started")
                        .arg("renewal", renewal.id())
                        .arg("home", kind))
                );
            }
            renewal
        }
    };
    if args.resend_code {
        runtime
            .block_on(renewal.resend_code(&mut ui))
            .map_err(|e| ui.failed(e))?;
    }
    let outcome = runtime.block_on(renewal.run(&mut ui));
    match outcome.map_err(|e| ui.failed(e))? {
        Outcome::Done(summary) => {
            print_summary(&summary, ctx)?;
            Ok(0)
        }
        Outcome::NeedCode { number, delivery } => {
            if ctx.json {
                output::json(&json!({
                    "done": false,
                    "needs_code": number,
                    "renewal": renewal.id(),
                    "code_delivery": delivery,
                }))?;
            } else {
                say!("{}", say(&needs_code_text(number, delivery.as_ref())));
            }
            Ok(EXIT_NEEDS_CODE)
        }
        Outcome::NeedReview(review) => {
            if ctx.json {
                output::json(
                    &json!({ "done": false, "needs_review": review, "renewal": renewal.id() }),
                )?;
            } else {
                say!(
                    "{}",
                    crate::lang::say(
                        &qoltanba_l10n::Text::new("cli-renewal-needs-review")
                            .arg("renewal", renewal.id())
                    )
                );
            }
            Ok(EXIT_NEEDS_REVIEW)
        }
    }
}

/// What a renewal waiting for its code tells the citizen: "sent" only when
/// the RA says it was (or an RA that predates code delivery, whose answer
/// meant sent); otherwise that it is pending or failed, and how to ask for
/// it again.
fn needs_code_text(number: i64, delivery: Option<&CodeDelivery>) -> Text {
    match delivery.map(|d| (d.state, d.sent_to.as_str())) {
        Some((CodeDeliveryState::Pending, _)) => {
            Text::new("cli-renewal-code-pending").arg("number", number)
        }
        Some((CodeDeliveryState::Failed, phone)) => Text::new("cli-renewal-code-failed")
            .arg("number", number)
            .arg("phone", phone),
        Some((CodeDeliveryState::Sent, _)) | None => {
            Text::new("cli-renewal-needs-code").arg("number", number)
        }
    }
}

/// The RA to talk to: `server` and `ca_cert` when given (remembered for the
/// next command), else what the last command remembered.
pub fn ra_client(
    store: &Store,
    server: Option<&str>,
    ca_cert: Option<&Path>,
) -> Result<RaClient, CliError> {
    // Where the RA is: from the flags, else from the last renewal.
    let server = match server {
        Some(s) => {
            store
                .set_setting("ra.base_url", s)
                .map_err(CliError::failed)?;
            s.to_owned()
        }
        None => store
            .setting("ra.base_url")
            .map_err(CliError::failed)?
            .ok_or_else(|| CliError::usage("give --server URL (and --ca-cert FILE)"))?,
    };
    let ca = match ca_cert {
        Some(path) => {
            let der = der_of(read_file(path)?);
            store
                .set_setting("ra.ca_cert", &B64.encode(&der))
                .map_err(CliError::failed)?;
            der
        }
        None => B64
            .decode(
                store
                    .setting("ra.ca_cert")
                    .map_err(CliError::failed)?
                    .ok_or_else(|| {
                        CliError::usage("give --ca-cert FILE, the RA's root certificate")
                    })?,
            )
            .map_err(CliError::failed)?,
    };
    RaClient::new(RaConfig::new(server, ca)).map_err(CliError::failed)
}

/// The e-mail of the current certificate, when the citizen gives none.
fn current_email(
    home: &mut dyn KeyHome,
    locations: &[PathBuf],
    ui: &mut CliUi,
) -> Result<String, CliError> {
    let location = locations.first().ok_or_else(|| {
        CliError::failed("no current certificate: give --keys, or --card-cert for a kz-idcard")
    })?;
    let (_, cert) = home.open_current(location, ui).map_err(|e| ui.failed(e))?;
    cert.holder()
        .email
        .clone()
        .ok_or_else(|| CliError::usage("the certificate names no e-mail; give --email"))
}

/// The desktop keystore in `dir` as the new keys' home (remembered with
/// the renewal).
fn keystore_home(dir: &std::path::Path) -> Result<PlatformHome, CliError> {
    let store = SoftwareKeystore::open(dir).map_err(CliError::failed)?;
    Ok(PlatformHome::new(Arc::new(store)).in_dir(absolute(dir)))
}

/// `qoltanba status`: the renewals and the certificates this device knows.
pub fn run_status(ctx: &Context) -> Result<(), CliError> {
    let store = open_store()?;
    let latest = store.latest_renewal().map_err(CliError::said)?;
    let certs = store.certificates().map_err(CliError::said)?;
    let now = ctx.at.unix_timestamp();
    if ctx.json {
        return output::json(&json!({
            "latest_renewal": latest.as_ref().map(|r| json!({"id": r.id, "step": r.step, "finished": r.finished})),
            "certificates": certs,
        }));
    }
    match latest {
        Some(r) => say!(
            "Renewal {}: {}{}",
            r.id,
            r.step,
            if r.finished {
                ""
            } else {
                " (unfinished: qoltanba renew --resume)"
            }
        ),
        None => say!("No renewal yet."),
    }
    for c in certs {
        let days = (c.not_after - now).div_euclid(86_400);
        let state = if c.replaced {
            "replaced".to_string()
        } else if days < 0 {
            "expired".to_string()
        } else {
            format!("{days} days left")
        };
        say!("  {} {} {} ({})", c.serial, c.purpose, c.location, state);
    }
    Ok(())
}

#[derive(Args)]
pub struct RevokeArgs {
    /// The serial (hex) of the certificate to revoke.
    #[arg(long)]
    serial: String,
    /// RFC 5280 reason: keyCompromise, affiliationChanged, superseded, cessationOfOperation, …
    #[arg(long, default_value = "keyCompromise")]
    reason: String,
    /// A current key file (GOST512_ or AUTH_): it logs in and signs the request.
    #[arg(long)]
    key: PathBuf,
    #[arg(long)]
    server: Option<String>,
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

/// `qoltanba revoke`: log in with the key and ask the RA to revoke `serial`.
pub fn run_revoke(args: RevokeArgs, ctx: &Context) -> Result<(), CliError> {
    use qoltanba_pki::crypto::SoftwareKey;
    use qoltanba_pki::keyfile::KeyFile;
    use qoltanba_pki::signed_message::sign_message;

    let store = open_store()?;
    let server = match &args.server {
        Some(s) => s.clone(),
        None => store
            .setting("ra.base_url")
            .map_err(CliError::said)?
            .ok_or_else(|| CliError::usage("give --server URL and --ca-cert FILE"))?,
    };
    let ca = match &args.ca_cert {
        Some(path) => der_of(read_file(path)?),
        None => B64
            .decode(
                store
                    .setting("ra.ca_cert")
                    .map_err(CliError::said)?
                    .ok_or_else(|| {
                        CliError::usage("give --ca-cert FILE, the RA's root certificate")
                    })?,
            )
            .map_err(CliError::failed)?,
    };
    let password = current_password(args.password_file.as_deref())?;
    let file = KeyFile::open(&args.key, &password).map_err(CliError::said)?;
    let cert = KzCertificate::from_der(file.require_certificate().map_err(CliError::failed)?)
        .map_err(CliError::failed)?;
    crate::keys::require_valid_key(&cert, ctx)?;
    let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8()).map_err(CliError::failed)?;
    let client = RaClient::new(RaConfig::new(server, ca)).map_err(CliError::said)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| CliError::io("starting", e))?;
    // The signed content is the wire protocol's revocation request.
    let request = serde_json::to_string(&qoltanba_pki::protocol::RevocationRequest {
        serial: args.serial.clone(),
        reason: args.reason.clone(),
    })
    .map_err(|e| CliError::failed(e.to_string()))?;
    // Logging in is the renewal's own login (the challenge signed with the
    // AUTH key); the request is signed by the same key.
    let (session, _) = runtime
        .block_on(qoltanba_core::renewal::log_in(&client, &key, &cert))
        .map_err(CliError::said)?;
    let signed = sign_message(request.as_bytes(), &key, &cert, ctx.at).map_err(CliError::said)?;
    let revoked = runtime
        .block_on(client.revoke(&session, signed))
        .map_err(CliError::said)?;
    if ctx.json {
        output::json(&revoked)
    } else {
        say!(
            "Certificate {} revoked ({}) at {}.",
            revoked.serial,
            revoked.reason,
            revoked.revoked_at
        );
        Ok(())
    }
}
