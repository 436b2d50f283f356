//! `qoltanba card …`: the ID card in a PC/SC reader or the simulator card.
//!
//! CAN, PIN and PUK come from files or a prompt, never from arguments
//! (other users can read those in `ps`). The card is found out first
//! (profile from the ATR, else by asking it), so the CAN is asked only of a
//! card that needs one; the PIN, PUK and CAN are checked against the card's
//! formats before PACE, and a PIN the card reports blocked is not sent.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::{Args, Subcommand};
use qoltanba_card::CardTransport;
use qoltanba_card::keystore::{CardKey, SharedSession, certified_slots};
use qoltanba_card::profile::CardProfile;
use qoltanba_card::secret::{Can, Pin, Puk};
use qoltanba_card::session::{CardError, CardSession, DetectedCard, PinStatus};
use qoltanba_core::store::Store;
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::signed_message::sign_message;
use serde::Serialize;

use crate::Context;
use crate::error::CliError;
use crate::output::{note, say, tell};
use crate::secret_input::Secret;

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

/// A card secret from its file, its environment variable or a prompt.
fn card_secret<T>(
    secret: Secret,
    file: Option<&Path>,
    parse: impl FnOnce(&str) -> Result<T, qoltanba_card::secret::SecretFormatError>,
) -> Result<T, CliError> {
    let text = secret.read(file)?;
    parse(&text).map_err(|e| CliError::usage_text(qoltanba_l10n::Localize::text(&e)))
}

pub fn pin(args: &CardArgs) -> Result<Pin, CliError> {
    card_secret(Secret::Pin, args.pin_file.as_deref(), Pin::new)
}

/// The profile `--profile` names.
fn profile_arg(args: &CardArgs) -> Result<Option<&'static CardProfile>, CliError> {
    match &args.profile {
        Some(name) => Ok(Some(CardProfile::by_name(name).ok_or_else(|| {
            CliError::usage(format!(
                "no card profile {name:?}; use qoltanba-ref-1 or kz-idcard"
            ))
        })?)),
        None => Ok(None),
    }
}

/// The card the arguments name, found out without any secret.
pub fn detect(args: &CardArgs) -> Result<DetectedCard, CliError> {
    detect_on(transport(args)?, args)
}

fn detect_on(transport: Box<dyn CardTransport>, args: &CardArgs) -> Result<DetectedCard, CliError> {
    let profile = profile_arg(args)?;
    CardSession::detect(transport, profile).map_err(card_failed)
}

/// The CAN, when `card` needs one (asked only then), checked against the
/// card's format before anything is sent.
fn can_for(card: &DetectedCard, args: &CardArgs) -> Result<Option<Can>, CliError> {
    if !card.needs_can() {
        return Ok(None);
    }
    let can = card_secret(Secret::Can, args.can_file.as_deref(), Can::new)?;
    card.check_can(&can).map_err(card_failed)?;
    Ok(Some(can))
}

/// Open a session with the card the arguments name (PACE with the CAN when
/// the card needs it).
pub fn open(args: &CardArgs) -> Result<CardSession, CliError> {
    open_detected(detect(args)?, args)
}

fn open_detected(card: DetectedCard, args: &CardArgs) -> Result<CardSession, CliError> {
    let can = can_for(&card, args)?;
    card.open(can.as_ref()).map_err(card_failed)
}

/// Open the card and verify the PIN: the PIN's format is checked before
/// PACE, a warning goes to stderr before the last try, and a PIN the card
/// reports blocked is refused without being sent.
pub fn open_with_pin(args: &CardArgs) -> Result<CardSession, CliError> {
    let card = detect(args)?;
    let can = can_for(&card, args)?;
    let pin = pin(args)?;
    card.check_pin(&pin).map_err(card_failed)?;
    let mut session = card.open(can.as_ref()).map_err(card_failed)?;
    warn_last_try(&mut session);
    session.verify_pin(&pin).map_err(card_failed)?;
    Ok(session)
}

/// Asks the card for its PIN's state (no try spent): a warning before the
/// last try; a blocked PIN is then refused by the session without a VERIFY.
fn warn_last_try(session: &mut CardSession) {
    if let Ok(PinStatus::TriesLeft(1)) = session.pin_status() {
        tell!(
            "{}",
            crate::lang::say(&qoltanba_l10n::Text::new("cli-warning-last-pin-try"))
        );
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
            open_with_pin(&args)?;
            say(
                ctx,
                "the PIN is correct",
                serde_json::json!({"pin": "verified"}),
            );
            Ok(())
        }
        CardCommand::ChangePin { new_pin_file } => {
            let card = detect(&args)?;
            let can = can_for(&card, &args)?;
            let old = pin(&args)?;
            card.check_pin(&old).map_err(card_failed)?;
            let new = card_secret(Secret::NewPin, new_pin_file.as_deref(), Pin::new)?;
            card.check_new_pin(&new).map_err(card_failed)?;
            let mut session = card.open(can.as_ref()).map_err(card_failed)?;
            warn_last_try(&mut session);
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
            // Both are checked against the card's formats before PACE.
            let card = detect(&args)?;
            let can = can_for(&card, &args)?;
            let puk = card_secret(Secret::Puk, puk_file.as_deref(), Puk::new)?;
            card.check_puk(&puk).map_err(card_failed)?;
            let new = card_secret(Secret::NewPin, new_pin_file.as_deref(), Pin::new)?;
            card.check_new_pin(&new).map_err(card_failed)?;
            let mut session = card.open(can.as_ref()).map_err(card_failed)?;
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
        note!("{json}");
    } else {
        note!("{text}");
    }
}

#[cfg(feature = "pcsc")]
fn readers(ctx: &Context) -> Result<(), CliError> {
    let names = qoltanba_card::pcsc::readers().map_err(CliError::said)?;
    if ctx.json {
        say!("{}", serde_json::json!({ "readers": names }));
    } else if names.is_empty() {
        say!("no readers");
    } else {
        for n in names {
            say!("{n}");
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
        say!("{}", serde_json::to_string(&view).expect("plain data"));
        return Ok(());
    }
    say!("profile: {}", view.profile);
    if let Some(atr) = &view.atr {
        say!("ATR: {atr}");
    }
    if let Some(serial) = &view.serial {
        say!("serial: {serial}");
    }
    say!("PIN: {:?}", view.pin);
    for s in &view.slots {
        let alg = s.algorithm.as_deref().unwrap_or("empty");
        let roles = if s.roles.is_empty() {
            String::new()
        } else {
            format!(" [{}]", s.roles.join(", "))
        };
        match &s.certificate {
            Some(c) => say!(
                "slot {}: {alg}{roles}: {} ({}, serial {}, until {})",
                s.slot,
                c.subject,
                c.purpose,
                c.serial,
                c.not_after
            ),
            None => say!("slot {}: {alg}{roles}", s.slot),
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
    crate::keys::require_valid_key(&chosen.certificate, ctx)?;
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
        say!("{}", serde_json::json!({ "written": written }));
    } else if written.is_empty() {
        say!("the card holds no certificates");
    } else {
        for p in &written {
            say!("{}", p.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use qoltanba_card::TransportError;
    use qoltanba_card_sim::{KzSlots, SimCard, SimConfig, SimTransport};

    /// A reader that reports no ATR, so the card must be asked what it is.
    struct NoAtr(SimTransport);

    impl CardTransport for NoAtr {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.0.transmit(command)
        }
    }

    /// Card arguments whose CAN file does not exist: reading it fails, so
    /// a session that opens was never asked for a CAN.
    fn args(dir: &Path) -> CardArgs {
        CardArgs {
            reader: None,
            simulator: None,
            profile: None,
            can_file: Some(dir.join("no-such-can")),
            pin_file: None,
        }
    }

    #[test]
    fn with_an_unknown_atr_the_can_is_asked_only_of_a_card_that_needs_it() {
        let dir = tempfile::tempdir().unwrap();
        let kz = SimCard::create(None, SimConfig::kz(KzSlots::Two, "4827")).unwrap();
        let card = detect_on(Box::new(NoAtr(SimTransport::new(kz))), &args(dir.path())).unwrap();
        assert_eq!(card.profile().name, "kz-idcard");
        let session = open_detected(card, &args(dir.path())).unwrap();
        assert_eq!(session.profile().name, "kz-idcard");

        let reference =
            SimCard::create(None, SimConfig::reference("739182", "482713", "91736455")).unwrap();
        let card = detect_on(
            Box::new(NoAtr(SimTransport::new(reference))),
            &args(dir.path()),
        )
        .unwrap();
        assert!(card.needs_can());
        let err = open_detected(card, &args(dir.path())).unwrap_err();
        assert_eq!(err.code(), 3, "the CAN file was read: {err}");
        assert!(err.to_string().contains("no-such-can"), "{err}");
    }
}
