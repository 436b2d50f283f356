//! `qoltanba card …`: the ID card in a PC/SC reader or the simulator card.
//!
//! CAN, PIN and PUK come from files or a prompt, never from arguments
//! (other users can read those in `ps`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::{Args, Subcommand};
use qoltanba_card::CardTransport;
use qoltanba_card::keystore::{CardKey, SharedSession, certified_slots};
use qoltanba_card::profile::CardProfile;
use qoltanba_card::secret::{Can, Pin, Puk};
use qoltanba_card::session::{CardError, CardSession, PinStatus};
use qoltanba_core::store::Store;
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::signed_message::sign_message;
use serde::Serialize;

use crate::Context;
use crate::error::CliError;
use crate::secret_input::PasswordSource;

/// Which card, and how to get in.
#[derive(Args, Debug, Clone)]
pub struct CardArgs {
    /// A PC/SC reader (its name or a unique prefix of it).
    #[arg(long, global = true, conflicts_with = "simulator")]
    pub reader: Option<String>,
    /// A simulator card's state file (see `qoltanba-card-sim new`).
    #[arg(long, global = true)]
    pub simulator: Option<PathBuf>,
    /// The card profile (qoltanba-ref-1, kz-idcard); found from the card when omitted.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// A file holding the CAN printed on the card (else QOLTANBA_CAN, else a prompt).
    #[arg(long, global = true)]
    pub can_file: Option<PathBuf>,
    /// A file holding the PIN (else QOLTANBA_PIN, else a prompt).
    #[arg(long, global = true)]
    pub pin_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum CardCommand {
    /// List the PC/SC readers.
    Readers,
    /// The card: profile, key slots, current keys and their certificates, PIN state.
    Info {
        /// Certificates to match to the card's keys (kz-idcard keeps none on the card).
        #[arg(long = "cert")]
        certs: Vec<PathBuf>,
    },
    /// Check the PIN (spends a try when wrong).
    VerifyPin,
    /// Change the PIN.
    ChangePin {
        /// A file holding the new PIN (else QOLTANBA_NEW_PIN, else a prompt).
        #[arg(long)]
        new_pin_file: Option<PathBuf>,
    },
    /// Unblock a blocked PIN with the PUK and set a new PIN.
    UnblockPin {
        /// A file holding the PUK (else QOLTANBA_PUK, else a prompt).
        #[arg(long)]
        puk_file: Option<PathBuf>,
        #[arg(long)]
        new_pin_file: Option<PathBuf>,
    },
    /// Sign a file with the card's SIGN key (or AUTH with --auth) as a CMS message.
    Sign {
        /// The file to sign.
        #[arg(long = "in")]
        input: PathBuf,
        /// Where the signed message (DER CMS) goes; never overwritten.
        #[arg(long)]
        out: PathBuf,
        /// Use the AUTH key.
        #[arg(long)]
        auth: bool,
        /// The key's certificate, where the card keeps none (kz-idcard).
        #[arg(long = "cert")]
        certs: Vec<PathBuf>,
    },
    /// Write the certificates of the card's keys into a directory.
    ReadCerts {
        /// Where the certificates go (slot-XX.cer); the current directory when omitted.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Certificates to match to the card's keys (kz-idcard).
        #[arg(long = "cert")]
        certs: Vec<PathBuf>,
    },
}

fn card_failed(e: CardError) -> CliError {
    CliError::failed(e)
}

/// The transport the arguments name.
pub fn transport(args: &CardArgs) -> Result<Box<dyn CardTransport>, CliError> {
    match (&args.reader, &args.simulator) {
        (Some(reader), None) => pcsc_transport(reader),
        (None, Some(file)) => simulator_transport(file),
        _ => Err(CliError::usage(
            "say which card: --reader NAME (a PC/SC reader) or --simulator FILE",
        )),
    }
}

#[cfg(feature = "pcsc")]
fn pcsc_transport(reader: &str) -> Result<Box<dyn CardTransport>, CliError> {
    let t = qoltanba_card::pcsc::PcscTransport::connect(reader).map_err(CliError::said)?;
    Ok(Box::new(t))
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_transport(_reader: &str) -> Result<Box<dyn CardTransport>, CliError> {
    Err(CliError::usage(
        "this qoltanba was built without PC/SC; rebuild with `--features pcsc` (needs libpcsclite-dev)",
    ))
}

fn simulator_transport(file: &Path) -> Result<Box<dyn CardTransport>, CliError> {
    let card = qoltanba_card_sim::SimCard::open(file).map_err(CliError::failed)?;
    Ok(Box::new(qoltanba_card_sim::transport::SimTransport::new(
        card,
    )))
}

fn read_secret(
    file: Option<&Path>,
    env: &'static str,
    prompt: &'static str,
) -> Result<zeroize::Zeroizing<String>, CliError> {
    PasswordSource {
        file,
        env,
        prompt,
        confirm: false,
    }
    .read()
}

fn can(args: &CardArgs) -> Result<Can, CliError> {
    let text = read_secret(
        args.can_file.as_deref(),
        "QOLTANBA_CAN",
        "CAN (6 digits printed on the card)",
    )?;
    Can::new(&text).map_err(|e| CliError::usage(e.to_string()))
}

pub fn pin(args: &CardArgs) -> Result<Pin, CliError> {
    let text = read_secret(args.pin_file.as_deref(), "QOLTANBA_PIN", "Card PIN")?;
    Pin::new(&text).map_err(|e| CliError::usage(e.to_string()))
}

/// Open a session with the card the arguments name (PACE with the CAN when
/// the card needs it).
pub fn open(args: &CardArgs) -> Result<CardSession, CliError> {
    let profile = match &args.profile {
        Some(name) => Some(CardProfile::by_name(name).ok_or_else(|| {
            CliError::usage(format!(
                "no card profile {name:?}; use qoltanba-ref-1 or kz-idcard"
            ))
        })?),
        None => None,
    };
    let transport = transport(args)?;
    let guessed = profile.or_else(|| transport.atr().as_deref().and_then(CardProfile::from_atr));
    let needs_can = guessed.is_none_or(|p| p.can_digits > 0);
    let can = if needs_can { Some(can(args)?) } else { None };
    CardSession::open(transport, profile, can.as_ref()).map_err(card_failed)
}

/// Open the card and verify the PIN, warning on stderr before the last try.
pub fn open_with_pin(args: &CardArgs) -> Result<CardSession, CliError> {
    let mut session = open(args)?;
    warn_last_try(&mut session);
    let pin = pin(args)?;
    session.verify_pin(&pin).map_err(card_failed)?;
    Ok(session)
}

fn warn_last_try(session: &mut CardSession) {
    if let Ok(PinStatus::TriesLeft(1)) = session.pin_status() {
        eprintln!("warning: one PIN try left; a wrong PIN now blocks the card");
    }
}

/// The `--cert` files and the card certificates this device's store knows.
fn load_certs(paths: &[PathBuf]) -> Result<Vec<KzCertificate>, CliError> {
    let mut certs = certificate_files(paths)?;
    certs.extend(stored_card_certificates(&crate::store::open_store()?)?);
    Ok(certs)
}

/// Certificates from files (DER or PEM).
pub fn certificate_files(paths: &[PathBuf]) -> Result<Vec<KzCertificate>, CliError> {
    paths
        .iter()
        .map(|p| {
            let bytes = crate::read_file(p)?;
            KzCertificate::parse(&bytes)
                .map_err(|e| CliError::failed(format!("{}: {e}", p.display())))
        })
        .collect()
}

/// Current card certificates recorded in the local store (installed by an
/// earlier card renewal and not replaced since).
pub fn stored_card_certificates(store: &Store) -> Result<Vec<KzCertificate>, CliError> {
    Ok(store
        .certificates()
        .map_err(CliError::said)?
        .into_iter()
        .filter(|c| c.location.starts_with("card:") && !c.replaced)
        .filter_map(|c| KzCertificate::from_der(&c.der).ok())
        .collect())
}

#[derive(Serialize)]
struct SlotView {
    slot: String,
    algorithm: Option<String>,
    roles: Vec<String>,
    certificate: Option<CertView>,
}

#[derive(Serialize)]
struct CertView {
    subject: String,
    serial: String,
    purpose: String,
    not_after: String,
}

#[derive(Serialize)]
struct InfoView {
    profile: &'static str,
    atr: Option<String>,
    serial: Option<String>,
    pin: PinStatus,
    pin_tries: Option<u8>,
    puk_tries: Option<u8>,
    slots: Vec<SlotView>,
}

pub fn run(args: CardArgs, command: CardCommand, ctx: &Context) -> Result<(), CliError> {
    match command {
        CardCommand::Readers => readers(ctx),
        CardCommand::Info { certs } => info(&args, &certs, ctx),
        CardCommand::VerifyPin => {
            let mut session = open(&args)?;
            warn_last_try(&mut session);
            let pin = pin(&args)?;
            session.verify_pin(&pin).map_err(card_failed)?;
            say(
                ctx,
                "the PIN is correct",
                serde_json::json!({"pin": "verified"}),
            );
            Ok(())
        }
        CardCommand::ChangePin { new_pin_file } => {
            let mut session = open(&args)?;
            warn_last_try(&mut session);
            let old = pin(&args)?;
            let new = read_secret(new_pin_file.as_deref(), "QOLTANBA_NEW_PIN", "New PIN")?;
            let new = Pin::new(&new).map_err(|e| CliError::usage(e.to_string()))?;
            session.change_pin(&old, &new).map_err(card_failed)?;
            say(
                ctx,
                "the PIN was changed",
                serde_json::json!({"pin": "changed"}),
            );
            Ok(())
        }
        CardCommand::UnblockPin {
            puk_file,
            new_pin_file,
        } => {
            let mut session = open(&args)?;
            let puk = read_secret(puk_file.as_deref(), "QOLTANBA_PUK", "PUK")?;
            let puk = Puk::new(&puk).map_err(|e| CliError::usage(e.to_string()))?;
            let new = read_secret(new_pin_file.as_deref(), "QOLTANBA_NEW_PIN", "New PIN")?;
            let new = Pin::new(&new).map_err(|e| CliError::usage(e.to_string()))?;
            session.unblock_pin(&puk, &new).map_err(card_failed)?;
            say(
                ctx,
                "the PIN is unblocked and set",
                serde_json::json!({"pin": "unblocked"}),
            );
            Ok(())
        }
        CardCommand::Sign {
            input,
            out,
            auth,
            certs,
        } => sign(&args, &input, &out, auth, &certs, ctx),
        CardCommand::ReadCerts { out, certs } => read_certs(&args, &out, &certs, ctx),
    }
}

fn say(ctx: &Context, text: &str, json: serde_json::Value) {
    if ctx.json {
        println!("{json}");
    } else {
        println!("{text}");
    }
}

#[cfg(feature = "pcsc")]
fn readers(ctx: &Context) -> Result<(), CliError> {
    let names = qoltanba_card::pcsc::readers().map_err(CliError::said)?;
    if ctx.json {
        println!("{}", serde_json::json!({ "readers": names }));
    } else if names.is_empty() {
        println!("no readers");
    } else {
        for n in names {
            println!("{n}");
        }
    }
    Ok(())
}

#[cfg(not(feature = "pcsc"))]
fn readers(_ctx: &Context) -> Result<(), CliError> {
    pcsc_transport("").map(|_| ())
}

fn info(args: &CardArgs, cert_files: &[PathBuf], ctx: &Context) -> Result<(), CliError> {
    let known = load_certs(cert_files)?;
    let mut session = open(args)?;
    let profile = session.profile();
    let atr = session.atr().map(hex::encode_upper);
    let pin = session.pin_status().map_err(card_failed)?;
    let status = session.status().map_err(card_failed)?;
    let shared: SharedSession = Arc::new(Mutex::new(session));
    let certified = certified_slots(&shared, &known).map_err(card_failed)?;
    let slots = status
        .slots
        .iter()
        .map(|s| {
            let found = certified.iter().find(|c| c.slot == s.slot);
            let mut roles: Vec<String> = Vec::new();
            if status.auth_slot == Some(s.slot) {
                roles.push("auth".into());
            }
            if status.sign_slot == Some(s.slot) {
                roles.push("sign".into());
            }
            if roles.is_empty()
                && let Some(c) = found
            {
                roles = c
                    .roles
                    .iter()
                    .map(|r| format!("{r:?}").to_lowercase())
                    .collect();
            }
            SlotView {
                slot: format!("{:02X}", s.slot),
                algorithm: s.algorithm.map(|a| a.to_string()),
                roles,
                certificate: found.map(|c| CertView {
                    subject: c.certificate.subject_name(),
                    serial: c.certificate.serial_hex(),
                    purpose: c.certificate.purpose().to_string(),
                    not_after: c
                        .certificate
                        .not_after()
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                }),
            }
        })
        .collect();
    let view = InfoView {
        profile: profile.name,
        atr,
        serial: status.serial.as_deref().map(hex::encode_upper),
        pin,
        pin_tries: status.pin_tries,
        puk_tries: status.puk_tries,
        slots,
    };
    if ctx.json {
        println!("{}", serde_json::to_string(&view).expect("plain data"));
        return Ok(());
    }
    println!("profile: {}", view.profile);
    if let Some(atr) = &view.atr {
        println!("ATR: {atr}");
    }
    if let Some(serial) = &view.serial {
        println!("serial: {serial}");
    }
    println!("PIN: {:?}", view.pin);
    for s in &view.slots {
        let alg = s.algorithm.as_deref().unwrap_or("empty");
        let roles = if s.roles.is_empty() {
            String::new()
        } else {
            format!(" [{}]", s.roles.join(", "))
        };
        match &s.certificate {
            Some(c) => println!(
                "slot {}: {alg}{roles}: {} ({}, serial {}, until {})",
                s.slot, c.subject, c.purpose, c.serial, c.not_after
            ),
            None => println!("slot {}: {alg}{roles}", s.slot),
        }
    }
    Ok(())
}

fn sign(
    args: &CardArgs,
    input: &Path,
    out: &Path,
    auth: bool,
    cert_files: &[PathBuf],
    ctx: &Context,
) -> Result<(), CliError> {
    if out.exists() {
        return Err(CliError::usage(format!(
            "{} exists; choose another --out",
            out.display()
        )));
    }
    let content = crate::read_file(input)?;
    let known = load_certs(cert_files)?;
    let session = open_with_pin(args)?;
    let shared: SharedSession = Arc::new(Mutex::new(session));
    let certified = certified_slots(&shared, &known).map_err(card_failed)?;
    let wanted = if auth { "auth" } else { "sign" };
    let chosen = certified
        .iter()
        .filter(|c| {
            if auth {
                c.certificate.purpose().can_auth()
            } else {
                c.certificate.purpose().can_sign()
            }
        })
        // The current key first (a role on the card), then any certified one.
        .max_by_key(|c| !c.roles.is_empty())
        .ok_or_else(|| {
            CliError::failed(format!(
                "the card has no {wanted} key with a certificate; for a kz-idcard give it with --cert"
            ))
        })?;
    let key = CardKey::with_public_key(
        &shared,
        chosen.slot,
        auth,
        chosen.certificate.public_key().clone(),
    )
    .map_err(card_failed)?;
    let signed =
        sign_message(&content, &key, &chosen.certificate, ctx.at).map_err(CliError::failed)?;
    write_new(out, &signed)?;
    say(
        ctx,
        &format!(
            "signed with the {wanted} key in slot {:02X}: {}",
            chosen.slot,
            out.display()
        ),
        serde_json::json!({"slot": format!("{:02X}", chosen.slot), "out": out}),
    );
    Ok(())
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| CliError::io(&format!("creating {}", path.display()), e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| CliError::io(&format!("writing {}", path.display()), e))
}

fn read_certs(
    args: &CardArgs,
    out: &Path,
    cert_files: &[PathBuf],
    ctx: &Context,
) -> Result<(), CliError> {
    let known = load_certs(cert_files)?;
    let session = open(args)?;
    let shared: SharedSession = Arc::new(Mutex::new(session));
    let certified = certified_slots(&shared, &known).map_err(card_failed)?;
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::io(&format!("creating {}", out.display()), e))?;
    let mut written = Vec::new();
    for c in &certified {
        let path = out.join(format!("slot-{:02x}.cer", c.slot));
        std::fs::write(&path, c.certificate.der())
            .map_err(|e| CliError::io(&format!("writing {}", path.display()), e))?;
        written.push(path);
    }
    if ctx.json {
        println!("{}", serde_json::json!({ "written": written }));
    } else if written.is_empty() {
        println!("the card holds no certificates");
    } else {
        for p in &written {
            println!("{}", p.display());
        }
    }
    Ok(())
}
