//! `qoltanba cabinet …`: the citizen's cabinet on the desktop, through the
//! core's [`Cabinet`] (the same calls the apps make): the keys with status
//! and actions, the RA's view after logging in, revocation, the
//! lost-password advice, contact settings, signing and checking documents.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::{Args, Subcommand};
use qoltanba_core::cabinet::{Cabinet, CitizenKey, KeyStatus};
use qoltanba_core::ra::Session;
use qoltanba_core::renewal::{CardHome, FileHome, KeyHome};
use qoltanba_l10n::Localize;
use qoltanba_pki::protocol::{NotificationPreferences, ProfileUpdate, RevocationReason};
use qoltanba_pki::signed_message::Attachment;
use serde_json::json;

use crate::card::CardArgs;
use crate::error::CliError;
use crate::output::say;
use crate::renew::{CliUi, ra_client};
use crate::store::open_store;
use crate::{Context, output, read_file};

#[derive(Subcommand)]
pub enum CabinetCommand {
    /// Your keys on this device: status and what each allows now.
    Keys,
    /// Your applications at the RA (log in with an AUTH key).
    Applications(LoginArgs),
    /// Your certificates at the RA, with revocation status.
    Certificates(LoginArgs),
    /// Revoke one of your certificates (log in with any valid AUTH key of
    /// yours: for a lost password, another key or the ID card).
    Revoke {
        #[command(flatten)]
        login: LoginArgs,
        /// The certificate's serial (hex).
        #[arg(long)]
        serial: String,
        /// keyCompromise, affiliationChanged, superseded or cessationOfOperation.
        #[arg(long, default_value = "keyCompromise")]
        reason: String,
    },
    /// What to do about a key file whose password is lost.
    LostPassword {
        #[arg(long)]
        serial: String,
    },
    /// Your contact e-mail and notice channels at the RA (shown; changed
    /// with the options).
    Profile {
        #[command(flatten)]
        login: LoginArgs,
        /// The e-mail notices go to.
        #[arg(long)]
        contact_email: Option<String>,
        /// Notices by e-mail: on or off.
        #[arg(long, value_parser = on_off)]
        email: Option<bool>,
        #[arg(long, value_parser = on_off)]
        sms: Option<bool>,
        #[arg(long, value_parser = on_off)]
        push: Option<bool>,
    },
    /// Sign a document with a SIGN key (key file or ID card).
    Sign {
        #[command(flatten)]
        key: KeyArgs,
        #[arg(long = "in", value_name = "FILE")]
        input: PathBuf,
        /// Where the CMS goes (never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Write only the signature (the document stays beside it).
        #[arg(long)]
        detached: bool,
    },
    /// Check a signed document.
    Verify {
        /// The CMS (DER or PEM).
        #[arg(long = "in", value_name = "FILE")]
        input: PathBuf,
        /// The document a detached signature signs.
        #[arg(long, value_name = "FILE")]
        content: Option<PathBuf>,
        /// Trusted root or issuing CA certificates (DER or PEM).
        #[arg(long = "root", value_name = "FILE")]
        roots: Vec<PathBuf>,
    },
}

fn on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err("write on or off".into()),
    }
}

/// Which key: a key file (`--key`), the ID card (`--card-…`), or a USB
/// token (`--token MODULE`).
#[derive(Args)]
pub struct KeyArgs {
    #[command(flatten)]
    token: crate::token::TokenArgs,
    /// A key file.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// The key file's password.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// The ID card in this PC/SC reader.
    #[arg(long, value_name = "NAME", conflicts_with = "key")]
    card_reader: Option<String>,
    /// The simulator card in FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "key")]
    card_simulator: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    can_file: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
    /// Which of the card's keys: auth or sign.
    #[arg(long, default_value = "auth")]
    card_key: String,
}

/// Logging in to the RA: a key and where the RA is.
#[derive(Args)]
pub struct LoginArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// The RA's base URL (default: the last one used).
    #[arg(long)]
    server: Option<String>,
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
}

impl KeyArgs {
    /// The home of the chosen key, its location there, and the UI that
    /// answers with the password.
    fn open(
        &self,
        store: &qoltanba_core::store::Store,
        want_sign: bool,
    ) -> Result<(Box<dyn KeyHome>, PathBuf, CliUi), CliError> {
        let mut ui = CliUi {
            password_file: self.password_file.clone(),
            new_password_file: None,
            code: None,
            json: true,
            yes: false,
            confirm_review: false,
            secret_error: None,
        };
        if let Some(file) = &self.key {
            return Ok((Box::new(FileHome::new(PathBuf::new())), file.clone(), ui));
        }
        if let Some(module) = &self.token.module {
            // The token's current pair: its AUTH key to log in, its SIGN
            // key to sign (the PIN from --pin-file, the environment or a prompt).
            let session = crate::token::login(
                module,
                self.token.token_label.as_deref(),
                self.pin_file.as_deref(),
            )?;
            let mut home = qoltanba_token::TokenHome::new(session);
            let mut chosen = None;
            for location in home
                .current_locations(time::OffsetDateTime::now_utc())
                .map_err(CliError::said)?
            {
                let (_, cert) = home
                    .open_current(&location, &mut ui)
                    .map_err(CliError::said)?;
                let fits = if want_sign {
                    cert.purpose().can_sign()
                } else {
                    cert.purpose().can_auth()
                };
                if fits && chosen.is_none() {
                    chosen = Some(location);
                }
            }
            let wanted = if want_sign { "SIGN" } else { "AUTH" };
            let location = chosen.ok_or_else(|| {
                CliError::failed(format!(
                    "the token has no valid {wanted} key with a certificate"
                ))
            })?;
            return Ok((Box::new(home), location, ui));
        }
        if self.card_reader.is_none() && self.card_simulator.is_none() {
            return Err(CliError::usage(
                "give --key FILE, the ID card with --card-reader NAME or --card-simulator FILE, or --token MODULE",
            ));
        }
        let card = CardArgs {
            reader: self.card_reader.clone(),
            simulator: self.card_simulator.clone(),
            profile: None,
            can_file: self.can_file.clone(),
            pin_file: self.pin_file.clone(),
        };
        let session = crate::card::open_with_pin(&card)?;
        let known = crate::card::stored_card_certificates(store)?;
        let home = CardHome::new(Arc::new(Mutex::new(session)), known, PathBuf::new());
        let wanted = match (self.card_key.as_str(), want_sign) {
            ("sign", _) | (_, true) => "sign",
            _ => "auth",
        };
        let location = home
            .current_locations()
            .map_err(CliError::said)?
            .into_iter()
            .find(|l| l.to_string_lossy().ends_with(wanted) || l.to_string_lossy().contains("both"))
            .ok_or_else(|| {
                CliError::failed(format!("the card has no {wanted} key with a certificate"))
            })?;
        Ok((Box::new(home), location, ui))
    }
}

/// A cabinet on this device's store, talking to the RA `login` names.
fn cabinet(login: Option<&LoginArgs>) -> Result<Cabinet, CliError> {
    let store = open_store()?;
    let client = ra_client(
        &store,
        login.and_then(|l| l.server.as_deref()),
        login.and_then(|l| l.ca_cert.as_deref()),
    )?;
    Ok(Cabinet::new(Arc::new(store), client))
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Runtime::new().map_err(|e| CliError::io("starting", e))
}

fn log_in(
    cabinet: &Cabinet,
    login: &LoginArgs,
    runtime: &tokio::runtime::Runtime,
) -> Result<Session, CliError> {
    let (mut home, location, mut ui) = login.key.open(cabinet.store(), false)?;
    runtime
        .block_on(cabinet.log_in(home.as_mut(), &location, &mut ui))
        .map_err(CliError::said)
}

pub fn run(cmd: CabinetCommand, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        CabinetCommand::Keys => {
            let store = Arc::new(open_store()?);
            let keys = keys_of(&store, ctx)?;
            if ctx.json {
                return output::json(&json!({ "keys": keys }));
            }
            if keys.is_empty() {
                say!("No keys yet: renew, or import a key file.");
            }
            for k in &keys {
                say!(
                    "{} {} {} ({}) {} — {}",
                    k.serial,
                    k.purpose,
                    k.holder,
                    k.algorithm,
                    status_text(&k.status),
                    k.location
                );
                let actions: Vec<String> = k
                    .actions
                    .iter()
                    .map(|a| crate::lang::say(&a.text()))
                    .collect();
                if !actions.is_empty() {
                    say!("    can: {}", actions.join(", "));
                }
            }
            Ok(())
        }
        CabinetCommand::Applications(login) => {
            let cabinet = cabinet(Some(&login))?;
            let runtime = runtime()?;
            let session = log_in(&cabinet, &login, &runtime)?;
            let list = runtime
                .block_on(cabinet.applications(&session))
                .map_err(CliError::said)?;
            if ctx.json {
                return output::json(&json!({ "applications": list }));
            }
            for a in &list {
                say!(
                    "application {}: {} (created {}), next: {}",
                    a.number,
                    a.state.token(),
                    a.created_at,
                    crate::lang::say(&a.next_step.text())
                );
            }
            Ok(())
        }
        CabinetCommand::Certificates(login) => {
            let cabinet = cabinet(Some(&login))?;
            let runtime = runtime()?;
            let session = log_in(&cabinet, &login, &runtime)?;
            let list = runtime
                .block_on(cabinet.ra_certificates(&session))
                .map_err(CliError::said)?;
            if ctx.json {
                return output::json(&json!({ "certificates": list }));
            }
            for c in &list {
                say!(
                    "{} {} {} until {} ({:?}){}",
                    c.serial,
                    c.purpose,
                    c.algorithm,
                    c.not_after,
                    c.status,
                    if c.on_this_device {
                        ", on this device"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        CabinetCommand::Revoke {
            login,
            serial,
            reason,
        } => {
            let reason = RevocationReason::from_name(&reason)
                .filter(|r| RevocationReason::CITIZEN.contains(r))
                .ok_or_else(|| {
                    CliError::usage(
                        "--reason is one of keyCompromise, affiliationChanged, superseded, cessationOfOperation",
                    )
                })?;
            let cabinet = cabinet(Some(&login))?;
            let runtime = runtime()?;
            let session = log_in(&cabinet, &login, &runtime)?;
            let (mut home, location, mut ui) = login.key.open(cabinet.store(), false)?;
            let revoked = runtime
                .block_on(cabinet.revoke(
                    &session,
                    home.as_mut(),
                    &location,
                    &serial,
                    reason,
                    &mut ui,
                ))
                .map_err(CliError::said)?;
            if ctx.json {
                return output::json(&revoked);
            }
            say!(
                "Certificate {} is revoked ({}) at {}.",
                revoked.serial,
                revoked.reason,
                revoked.revoked_at
            );
            Ok(())
        }
        CabinetCommand::LostPassword { serial } => {
            let store = Arc::new(open_store()?);
            let keys = keys_of(&store, ctx)?;
            let advice = qoltanba_core::cabinet::revocation::lost_password(
                &keys,
                &serial.to_ascii_uppercase(),
            )
            .map_err(CliError::said)?;
            if ctx.json {
                return output::json(&advice);
            }
            say!("A key file's password cannot be recovered: NCA keeps no copy of the key.");
            if advice.visit_service_centre {
                say!(
                    "No other valid key of yours is on this device: revoke it and get new keys at a public service centre (ЦОН) or on egov.kz with your ID card."
                );
            } else {
                say!("Revoke it by logging in with another of your keys:");
                for k in &advice.can_revoke_with {
                    say!("  {} {} ({})", k.serial, k.purpose, k.location);
                }
                say!(
                    "  qoltanba cabinet revoke --serial {} --key OTHER_KEY (or --card-…)",
                    advice.serial
                );
            }
            Ok(())
        }
        CabinetCommand::Profile {
            login,
            contact_email,
            email,
            sms,
            push,
        } => {
            let cabinet = cabinet(Some(&login))?;
            let runtime = runtime()?;
            let session = log_in(&cabinet, &login, &runtime)?;
            let client = cabinet.client();
            let mut profile = runtime
                .block_on(client.profile(&session))
                .map_err(CliError::said)?;
            if contact_email.is_some() || email.is_some() || sms.is_some() || push.is_some() {
                let now = profile.notifications;
                let update = ProfileUpdate {
                    contact_email: contact_email.or(profile.contact_email.clone()),
                    notifications: NotificationPreferences {
                        email: email.unwrap_or(now.email),
                        sms: sms.unwrap_or(now.sms),
                        push: push.unwrap_or(now.push),
                    },
                };
                profile = runtime
                    .block_on(client.set_profile(&session, &update))
                    .map_err(CliError::said)?;
            }
            if ctx.json {
                return output::json(&profile);
            }
            say!("IIN {}", profile.iin);
            say!(
                "  notices by e-mail to: {}",
                profile.notices_email.as_deref().unwrap_or("(none)")
            );
            say!(
                "  SMS to: {}",
                profile.sms_to.as_deref().unwrap_or("(none)")
            );
            let n = profile.notifications;
            say!(
                "  channels: e-mail {}, SMS {}, push {}",
                on(n.email),
                on(n.sms),
                on(n.push)
            );
            Ok(())
        }
        CabinetCommand::Sign {
            key,
            input,
            out,
            detached,
        } => {
            let store = Arc::new(open_store()?);
            let content = read_file(&input)?;
            let (mut home, location, mut ui) = key.open(&store, true)?;
            let attachment = if detached {
                Attachment::Detached
            } else {
                Attachment::Attached
            };
            let signed = qoltanba_core::cabinet::documents::sign_on_device(
                &store,
                home.as_mut(),
                &location,
                &content,
                attachment,
                &mut ui,
            )
            .map_err(CliError::said)?;
            write_new(&out, &signed)?;
            if ctx.json {
                return output::json(&json!({ "signed": out, "detached": detached }));
            }
            say!("Signed {} into {}.", input.display(), out.display());
            Ok(())
        }
        CabinetCommand::Verify {
            input,
            content,
            roots,
        } => {
            let signed = read_file(&input)?;
            let document = content.as_deref().map(read_file).transpose()?;
            let roots = roots
                .iter()
                .map(|p| {
                    let bytes = read_file(p)?;
                    Ok(qoltanba_pki::cert::KzCertificate::parse(&bytes)
                        .map(|c| c.der().to_vec())
                        .unwrap_or(bytes))
                })
                .collect::<Result<Vec<_>, CliError>>()?;
            let check =
                qoltanba_core::cabinet::documents::check(&signed, document.as_deref(), &roots)
                    .map_err(CliError::said)?;
            if ctx.json {
                return output::json(&check);
            }
            say!(
                "The signature is valid: {} (IIN {}), certificate {}.",
                check.signer_holder,
                check.signer_iin,
                check.signer_serial
            );
            say!(
                "  certificate valid when signed: {}; chains to a trusted root: {}",
                yes_no(check.certificate_valid_then),
                yes_no(check.chains_to_trusted_root)
            );
            Ok(())
        }
    }
}

fn keys_of(
    store: &Arc<qoltanba_core::store::Store>,
    ctx: &Context,
) -> Result<Vec<CitizenKey>, CliError> {
    qoltanba_core::cabinet::keys::citizen_keys(store, ctx.at).map_err(CliError::said)
}

fn status_text(status: &KeyStatus) -> String {
    crate::lang::say(&status.text())
}

fn on(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            CliError::io(
                &format!("creating {} (it must not exist)", path.display()),
                e,
            )
        })?;
    file.write_all(bytes)
        .map_err(|e| CliError::io(&format!("writing {}", path.display()), e))
}
