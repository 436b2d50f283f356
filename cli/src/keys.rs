//! `qoltanba keys …` and `qoltanba cert`.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer, generate};
use qoltanba_pki::keyfile::{
    KeyFile, KeyFileKind, NewPassword, Password, Profile, change_password, file_name, key_id,
    save_new_set,
};
use qoltanba_pki::reissue;
use serde_json::json;

use crate::error::CliError;
use crate::output::say;
use crate::secret_input::Secret;
use crate::token::{self, TokenArgs};
use crate::{Context, output, read_file};

/// `qoltanba keys`: a key-file command, or `--token MODULE` to list a token.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: Option<KeysCommand>,
    #[command(flatten)]
    token: TokenArgs,
    /// A file holding the token's PIN (else QOLTANBA_TOKEN_PIN, else a prompt).
    #[arg(long, value_name = "FILE", requires = "module")]
    pin_file: Option<PathBuf>,
}

/// Run `qoltanba keys …`.
pub fn run_args(args: KeysArgs, ctx: &Context) -> Result<(), CliError> {
    match (args.command, &args.token.module) {
        (Some(cmd), _) => run(cmd, ctx),
        (None, Some(module)) => token::list(&args.token, module, args.pin_file.as_deref(), ctx),
        (None, None) => Err(CliError::usage(
            "give a command (show, change-password, new) or --token MODULE to list a token's keys",
        )),
    }
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Show who a key file belongs to, what it is for and when it expires.
    Show {
        /// The key file (.p12).
        file: PathBuf,
        /// Read the key file's password from this file.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Change a key file's password (the new one must follow NCA's rule).
    ChangePassword {
        /// The key file (.p12); it is replaced only when the new file is complete.
        file: PathBuf,
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
    /// Generate a new key into a new key file, with its certificate request.
    New {
        /// gost512, rsa2048, rsa3072 or p256.
        #[arg(long)]
        algorithm: KeySpec,
        /// auth (log in), sign (sign documents) or both (a GOST 2015 key).
        #[arg(long, value_parser = parse_purpose)]
        purpose: Purpose,
        /// The current certificate whose holder the request names.
        #[arg(long, value_name = "CERT")]
        subject_from: PathBuf,
        /// The folder for the key file and the request.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The e-mail to put in the request (default: the certificate's).
        #[arg(long)]
        email: Option<String>,
        /// nca (opens in NCALayer) or modern (PBES2/AES-256).
        #[arg(long, default_value = "nca")]
        profile: Profile,
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
}

pub fn parse_purpose(s: &str) -> Result<Purpose, String> {
    let lower = s.to_ascii_lowercase();
    match Purpose::from_token(&lower) {
        Some(p) if p != Purpose::Neither => Ok(p),
        _ => Err(format!("unknown purpose '{lower}'; use auth, sign or both")),
    }
}

pub fn current_password(file: Option<&Path>) -> Result<Password, CliError> {
    Ok(Password::from(Secret::KeyFilePassword.read(file)?))
}

pub fn new_password(file: Option<&Path>) -> Result<NewPassword, CliError> {
    let text = Secret::NewKeyFilePassword.read(file)?;
    NewPassword::new(Password::from(text)).map_err(CliError::said)
}

pub fn run(cmd: KeysCommand, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        KeysCommand::Show {
            file,
            password_file,
        } => show(&file, password_file.as_deref(), ctx),
        KeysCommand::ChangePassword {
            file,
            password_file,
            new_password_file,
        } => {
            if !file.exists() {
                return Err(CliError::io(
                    &format!("reading {}", file.display()),
                    std::io::ErrorKind::NotFound.into(),
                ));
            }
            let old = current_password(password_file.as_deref())?;
            let new = new_password(new_password_file.as_deref())?;
            change_password(&file, &old, &new).map_err(CliError::said)?;
            if ctx.json {
                output::json(&json!({ "file": file, "changed": true }))
            } else {
                say!("The password of {} was changed.", file.display());
                Ok(())
            }
        }
        KeysCommand::New {
            algorithm,
            purpose,
            subject_from,
            out,
            email,
            profile,
            new_password_file,
        } => {
            let current =
                KzCertificate::parse(&read_file(&subject_from)?).map_err(CliError::failed)?;
            let password = new_password(new_password_file.as_deref())?;
            let key = generate(algorithm).map_err(CliError::failed)?;
            let subject =
                reissue::renewal_subject(&current, email.as_deref()).map_err(CliError::failed)?;
            let csr = reissue::build_csr(&key, &subject, purpose).map_err(CliError::failed)?;
            let key_file = key_file(&key, purpose, profile, &password)?;
            let csr_file = csr_file(&key_file.0, &csr);
            let saved = save_files(&out, &[key_file, csr_file])?;
            let (saved, csr_path) = (&saved[0], &saved[1]);
            if ctx.json {
                output::json(
                    &json!({ "key_file": saved, "csr": csr_path, "algorithm": algorithm.name(), "purpose": purpose }),
                )
            } else {
                say!("New {} key: {}", purpose, saved.display());
                say!("Certificate request: {}", csr_path.display());
                Ok(())
            }
        }
    }
}

/// The one check every signing command makes before it signs: the key's
/// certificate is valid at `ctx.at` (now, or the instant `--at` gives). An
/// expired key signs nothing, a not yet valid one neither.
pub fn require_valid_key(cert: &KzCertificate, ctx: &Context) -> Result<(), CliError> {
    use qoltanba_l10n::Text;
    use qoltanba_pki::cert::TimeStatus;
    let date = |t| qoltanba_pki::timestamp::rfc3339(t);
    match cert.time_status(ctx.at) {
        TimeStatus::Valid => Ok(()),
        TimeStatus::Expired => Err(CliError::text(
            Text::new("cli-key-expired").arg("date", date(cert.not_after())),
        )),
        TimeStatus::NotYetValid => Err(CliError::text(
            Text::new("cli-key-not-yet-valid").arg("date", date(cert.not_before())),
        )),
    }
}

/// A new software key as a key-only file named as NCA names it: the name and
/// the bytes, for [`save_new_set`] with its request.
pub fn key_file(
    key: &qoltanba_pki::crypto::SoftwareKey,
    purpose: Purpose,
    profile: Profile,
    password: &NewPassword,
) -> Result<(String, Vec<u8>), CliError> {
    let id = key_id(key.public_key());
    let kind = KeyFileKind::for_key(&key.key_algorithm(), purpose).ok_or_else(|| {
        CliError::usage(format!(
            "{} keys cannot be saved in a key file",
            key.key_algorithm()
        ))
    })?;
    let bytes = KeyFile::new(key.pkcs8_der(), None, &id)
        .to_bytes(profile, password)
        .map_err(CliError::said)?;
    Ok((file_name(kind, &id), bytes))
}

/// A CSR in PEM, named after its key file with the same stem.
pub fn csr_file(key_file_name: &str, csr_der: &[u8]) -> (String, Vec<u8>) {
    let stem = Path::new(key_file_name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("request");
    let pem = pem_encode("CERTIFICATE REQUEST", csr_der);
    (format!("{stem}.csr"), pem.into_bytes())
}

/// Write new files into `out` as one unit: all of them, or (a full disk, a
/// taken name) none, so a retry finds no orphan key.
pub fn save_files(out: &Path, files: &[(String, Vec<u8>)]) -> Result<Vec<PathBuf>, CliError> {
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    save_new_set(out, &files).map_err(CliError::key_file)
}

pub fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

fn show(path: &Path, password_file: Option<&Path>, ctx: &Context) -> Result<(), CliError> {
    let bytes = read_file(path)?;
    let password = current_password(password_file)?;
    let file = KeyFile::from_bytes(&bytes, &password).map_err(CliError::said)?;
    let cert = KzCertificate::from_der(file.require_certificate().map_err(CliError::failed)?)
        .map_err(CliError::failed)?;
    let summary = cert.summary(ctx.at);
    if ctx.json {
        return output::json(&json!({
            "file": {
                "path": path,
                "profile": file.profile(),
                "friendly_name": file.friendly_name(),
                "chain": file.chain_der().len(),
            },
            "certificate": summary,
        }));
    }
    let mut rows = output::certificate_rows(&summary);
    rows.push((
        "Key file",
        format!(
            "{} profile",
            serde_json::to_value(file.profile())
                .map_err(CliError::failed)?
                .as_str()
                .unwrap_or("?")
        ),
    ));
    output::fields(&rows)?;
    Ok(())
}

pub fn show_certificate_file(path: &Path, ctx: &Context) -> Result<(), CliError> {
    let cert = KzCertificate::parse(&read_file(path)?).map_err(CliError::failed)?;
    let summary = cert.summary(ctx.at);
    if ctx.json {
        output::json(&summary)
    } else {
        output::fields(&output::certificate_rows(&summary))?;
        Ok(())
    }
}
