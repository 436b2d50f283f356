//! `qoltanba message sign|verify`: small signed CMS messages, e.g. the RA's
//! login challenge (`curl … /v1/auth/challenge`, sign the nonce, post the
//! result to /v1/auth/login) and revocation requests.

use std::path::PathBuf;

use clap::Subcommand;
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::SoftwareKey;
use qoltanba_pki::keyfile::{KeyFile, save_new};
use qoltanba_pki::signed_message::{sign_message, verify_message};
use serde_json::json;

use crate::error::CliError;
use crate::keys::current_password;
use crate::{Context, output, read_file};

#[derive(Subcommand)]
pub enum MessageCommand {
    /// Sign a file's bytes with a key file (content attached, DER output).
    Sign {
        /// The key file (its certificate is included).
        #[arg(long)]
        key: PathBuf,
        /// The content to sign.
        #[arg(long = "in", value_name = "FILE")]
        input: PathBuf,
        /// Where the signed message goes (never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Check a signed message and print its content and signer.
    Verify { file: PathBuf },
}

pub fn run(cmd: MessageCommand, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        MessageCommand::Sign {
            key,
            input,
            out,
            password_file,
        } => {
            let content = read_file(&input)?;
            let password = current_password(password_file.as_deref())?;
            let file = KeyFile::from_bytes(&read_file(&key)?, &password).map_err(CliError::said)?;
            let cert =
                KzCertificate::from_der(file.require_certificate().map_err(CliError::failed)?)
                    .map_err(CliError::failed)?;
            let signer =
                SoftwareKey::from_pkcs8_der(file.private_key_pkcs8()).map_err(CliError::failed)?;
            let signed =
                sign_message(&content, &signer, &cert, ctx.at).map_err(CliError::failed)?;
            let dir = out
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let name = out
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| CliError::usage("--out must name a file"))?;
            let saved = save_new(dir, name, &signed).map_err(CliError::said)?;
            if ctx.json {
                output::json(&json!({ "signed": saved }))
            } else {
                println!("Signed message: {}", saved.display());
                Ok(())
            }
        }
        MessageCommand::Verify { file } => {
            let verified = verify_message(&read_file(&file)?).map_err(CliError::failed)?;
            let summary = verified.signer.summary(ctx.at);
            let content = String::from_utf8_lossy(&verified.content).into_owned();
            if ctx.json {
                output::json(&json!({ "content": content, "signer": summary }))
            } else {
                println!("Signed by: {}", verified.signer.subject_name());
                println!("Content:   {content}");
                Ok(())
            }
        }
    }
}
