//! `qoltanba-card-sim`: create, inspect and serve simulated ID cards.
//!
//! ```text
//! qoltanba-card-sim new --profile ref --can-file CAN --pin-file PIN --puk-file PUK --keys rsa2048,p256 card.json
//! qoltanba-card-sim new --profile kz --slots 2 --pin-file PIN --keys rsa2048 kz.json
//! qoltanba-card-sim show card.json
//! qoltanba-card-sim serve-vpcd --state card.json          # behind vsmartcard's "Virtual PCD 00 00"
//! ```
//!
//! Secrets come from files (first line, surrounding whitespace removed),
//! never from the command line, and are never printed. Errors are one line
//! on stderr; exit status 2 for usage errors, 1 for everything else.

use clap::{Parser, Subcommand, ValueEnum};
use qoltanba_card_sim::crypto::AesBits;
use qoltanba_card_sim::vpcd::{self, VpcdOptions};
use qoltanba_card_sim::{
    KeyAlg, KzSlots, PaceCurve, PaceSuite, Profile, Role, SimCard, SimConfig, SimError,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(
    name = "qoltanba-card-sim",
    version,
    about = "A software ID card for qoltanba"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProfileArg {
    /// qoltanba-ref-1 (PACE, secure messaging, 4 slots with certificates)
    Ref,
    /// kz-idcard (plain contact APDUs, 2 or 4 RSA slots)
    Kz,
}

#[derive(Clone, Copy, ValueEnum)]
enum PaceArg {
    Brainpool,
    P256,
}

#[derive(Subcommand)]
enum Command {
    /// Personalise a new card into FILE (refuses to overwrite).
    New {
        #[arg(long, value_enum)]
        profile: ProfileArg,
        /// kz-idcard: number of key slots.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=4))]
        slots: u8,
        /// qoltanba-ref-1: PACE curve.
        #[arg(long, value_enum, default_value = "brainpool")]
        pace: PaceArg,
        /// qoltanba-ref-1: AES key size of PACE and secure messaging.
        #[arg(long, default_value_t = 128)]
        aes: u16,
        /// File holding the CAN (qoltanba-ref-1).
        #[arg(long)]
        can_file: Option<PathBuf>,
        /// File holding the PIN.
        #[arg(long)]
        pin_file: PathBuf,
        /// File holding the PUK (qoltanba-ref-1).
        #[arg(long)]
        puk_file: Option<PathBuf>,
        /// Keys to generate, comma separated (rsa2048, p256): into slots
        /// 81, 82 (ref; AUTH on the first, SIGN on the second, both on a
        /// single key) or 87, 88 (kz).
        #[arg(long, value_delimiter = ',')]
        keys: Vec<KeyAlg>,
        file: PathBuf,
    },
    /// Show a card: profile, serial, slots, roles, counters (no secrets).
    Show { file: PathBuf },
    /// Serve the card to vsmartcard's vpcd until it closes the connection.
    ServeVpcd {
        #[arg(long)]
        state: PathBuf,
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        #[arg(long, default_value_t = vpcd::DEFAULT_PORT)]
        port: u16,
    },
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Sim(#[from] SimError),
}

fn read_secret(path: &Path, what: &str) -> Result<Zeroizing<String>, CliError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        CliError::Usage(format!(
            "cannot read the {what} file {}: {e}",
            path.display()
        ))
    })?);
    let line = text.lines().next().unwrap_or("").trim();
    Ok(Zeroizing::new(line.to_string()))
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::New {
            profile,
            slots,
            pace,
            aes,
            can_file,
            pin_file,
            puk_file,
            keys,
            file,
        } => {
            let pin = read_secret(&pin_file, "PIN")?;
            let (profile, can, puk, key_slots): (Profile, _, _, [u8; 2]) = match profile {
                ProfileArg::Ref => {
                    let aes = AesBits::from_bits(aes)
                        .ok_or_else(|| CliError::Usage("--aes must be 128, 192 or 256".into()))?;
                    let curve = match pace {
                        PaceArg::Brainpool => PaceCurve::BrainpoolP256r1,
                        PaceArg::P256 => PaceCurve::NistP256,
                    };
                    let need = |p: Option<PathBuf>, what: &str| {
                        p.ok_or_else(|| {
                            CliError::Usage(format!("--{what}-file is required for --profile ref"))
                        })
                    };
                    let can = read_secret(&need(can_file, "can")?, "CAN")?;
                    let puk = read_secret(&need(puk_file, "puk")?, "PUK")?;
                    (
                        Profile::Reference {
                            pace: PaceSuite { curve, aes },
                        },
                        can,
                        puk,
                        [0x81, 0x82],
                    )
                }
                ProfileArg::Kz => {
                    let slots = match slots {
                        2 => KzSlots::Two,
                        4 => KzSlots::Four,
                        _ => return Err(CliError::Usage("--slots must be 2 or 4".into())),
                    };
                    (
                        Profile::KzIdCard { slots },
                        Zeroizing::new(String::new()),
                        Zeroizing::new(String::new()),
                        [0x87, 0x88],
                    )
                }
            };
            if keys.len() > 2 {
                return Err(CliError::Usage("--keys takes at most two keys".into()));
            }
            if matches!(profile, Profile::KzIdCard { .. }) && keys.contains(&KeyAlg::P256) {
                return Err(CliError::Usage(
                    "kz-idcard slots hold rsa2048 keys only".into(),
                ));
            }
            let config = SimConfig {
                profile,
                can,
                pin,
                puk,
                serial: None,
            };
            let mut card = SimCard::create(Some(&file), config)?;
            for (alg, slot) in keys.iter().zip(key_slots) {
                card.generate_key(slot, *alg)?;
            }
            if matches!(profile, Profile::Reference { .. }) && !keys.is_empty() {
                let second = if keys.len() == 2 { 0x82 } else { 0x81 };
                card.set_role(Role::Auth, 0x81)?;
                card.set_role(Role::Sign, second)?;
            }
            println!("{}", card.describe());
            Ok(())
        }
        Command::Show { file } => {
            println!("{}", SimCard::open(&file)?.describe());
            Ok(())
        }
        Command::ServeVpcd { state, host, port } => {
            let mut card = SimCard::open(&state)?;
            let options = VpcdOptions {
                host,
                port,
                give_up_after: None,
            };
            let summary = vpcd::serve(&mut card, &options)?;
            eprintln!(
                "vpcd closed the connection after {} APDUs; card saved in {}",
                summary.apdus,
                state.display()
            );
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qoltanba-card-sim: {e}");
            match e {
                CliError::Usage(_) => ExitCode::from(2),
                CliError::Sim(_) => ExitCode::from(1),
            }
        }
    }
}
