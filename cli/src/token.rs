//! USB tokens through their PKCS#11 modules: `qoltanba keys --token MODULE`
//! lists a token's keys and certificates; `qoltanba renew --token MODULE`
//! renews on it (qoltanba_token::TokenHome). The PIN comes from
//! `--pin-file`, `QOLTANBA_TOKEN_PIN` or a prompt without echo.

use std::path::{Path, PathBuf};

use clap::Args;
use qoltanba_pki::timestamp::rfc3339;
use qoltanba_token::{Module, Pin, TokenSession};
use serde_json::json;

use crate::error::CliError;
use crate::output::say;
use crate::secret_input::Secret;
use crate::{Context, output};

/// Which token: the vendor's PKCS#11 module and, with several tokens
/// inserted, the token's label.
#[derive(Args, Clone, Default)]
pub struct TokenArgs {
    /// The token vendor's PKCS#11 module (e.g. SafeNet eToken's
    /// libeTPkcs11.so, libsofthsm2.so).
    #[arg(long = "token", value_name = "MODULE")]
    pub module: Option<PathBuf>,
    /// The token's label, when several are inserted.
    #[arg(long, value_name = "LABEL", requires = "module")]
    pub token_label: Option<String>,
}

/// Open the token and log in with its user PIN.
pub fn login(
    module: &Path,
    label: Option<&str>,
    pin_file: Option<&Path>,
) -> Result<TokenSession, CliError> {
    let token = Module::open(module)
        .and_then(|m| m.token(label))
        .map_err(CliError::said)?;
    let pin = Secret::TokenPin.read(pin_file)?;
    token.login(&Pin::new(pin.as_str())).map_err(CliError::said)
}

/// `qoltanba keys --token MODULE`: the token, its keys (with their
/// certificates) and the other certificates on it.
pub fn list(
    args: &TokenArgs,
    module: &Path,
    pin_file: Option<&Path>,
    ctx: &Context,
) -> Result<(), CliError> {
    let session = login(module, args.token_label.as_deref(), pin_file)?;
    let info = session.token().info().clone();
    let contents = session.contents().map_err(CliError::said)?;
    let keys: Vec<serde_json::Value> = contents
        .keys
        .iter()
        .map(|k| {
            json!({
                "id": k.id_hex(),
                "label": k.label,
                "algorithm": k.kind.name(),
                "extractable": k.extractable,
                "location": format!("token:{}/{}", info.serial, k.id_hex()),
                "certificate": k.certificate.as_ref().map(|c| json!({
                    "serial": c.serial_hex(),
                    "subject": c.subject_name(),
                    "purpose": c.purpose(),
                    "not_after": rfc3339(c.not_after()),
                    "status": c.summary(ctx.at).status,
                })),
            })
        })
        .collect();
    let certificates: Vec<serde_json::Value> = contents
        .certificates
        .iter()
        .map(|c| {
            json!({
                "id": hex::encode(&c.id),
                "label": c.label,
                "serial": c.certificate.serial_hex(),
                "subject": c.certificate.subject_name(),
                "purpose": c.certificate.purpose(),
                "not_after": rfc3339(c.certificate.not_after()),
            })
        })
        .collect();
    if ctx.json {
        return output::json(&json!({
            "token": {
                "label": info.label,
                "serial": info.serial,
                "manufacturer": info.manufacturer,
                "model": info.model,
                "pin": info.pin.name(),
            },
            "keys": keys,
            "certificates": certificates,
        }));
    }
    say!(
        "Token '{}' (serial {}, {} {})",
        info.label,
        info.serial,
        info.manufacturer,
        info.model
    );
    if contents.keys.is_empty() {
        say!("No private keys.");
    }
    for k in &contents.keys {
        say!();
        let mut rows = vec![
            ("Key", format!("token:{}/{}", info.serial, k.id_hex())),
            ("Label", k.label.clone()),
            ("Algorithm", k.kind.name()),
            (
                "Extractable",
                match k.extractable {
                    Some(true) => "yes".into(),
                    Some(false) => "no (stays on the token)".into(),
                    None => "unknown".into(),
                },
            ),
        ];
        match &k.certificate {
            Some(c) => {
                let summary = c.summary(ctx.at);
                rows.push(("Certificate", c.serial_hex()));
                rows.extend(output::certificate_rows(&summary));
            }
            None => rows.push(("Certificate", "(none)".into())),
        }
        output::fields(&rows)?;
    }
    say!();
    say!("Certificates on the token: {}", contents.certificates.len());
    for c in &contents.certificates {
        say!(
            "  {} {} ({}, until {})",
            c.certificate.serial_hex(),
            c.certificate.subject_name(),
            c.certificate.purpose(),
            rfc3339(c.certificate.not_after())
        );
    }
    Ok(())
}
