//! `qoltanba application build|verify`.

use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use qoltanba_pki::cert::{KzCertificate, Purpose, TrustAnchors, validate};
use qoltanba_pki::crypto::{KeySpec, PublicKeyAlgorithm, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{KeyFile, Profile};
use qoltanba_pki::reissue::{self, ApplicationDetails, StorageKind};
use serde_json::json;

use crate::error::CliError;
use crate::keys::{
    csr_file, current_password, key_file, new_password, require_valid_key, save_files,
};
use crate::output::say;
use crate::{Context, output, read_file};

const APPLICATION_FILE: &str = "application.p7s";

#[derive(Clone, Copy, ValueEnum)]
pub enum Storage {
    /// New keys in NCA key files (the only home the desktop CLI offers).
    File,
}

#[derive(Subcommand)]
pub enum ApplicationCommand {
    /// Make new keys and a reissue application signed with the current SIGN key.
    Build {
        /// The current SIGN key file (GOST512_….p12 or RSA256_….p12).
        #[arg(long, value_name = "FILE")]
        sign_key: PathBuf,
        /// The e-mail NCA writes to about this application.
        #[arg(long)]
        email: String,
        /// The citizen's locality (city or village).
        #[arg(long)]
        locality: String,
        /// Where the new keys go.
        #[arg(long, value_enum)]
        storage: Storage,
        /// The folder for the new key files, their requests and application.p7s.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The new keys' algorithm: gost512 (one key for AUTH and SIGN, what
        /// NCA issues today), rsa2048, rsa3072 or p256. Default: the current
        /// key's.
        #[arg(long)]
        algorithm: Option<KeySpec>,
        /// The new key files' profile: nca (opens in NCALayer) or modern.
        #[arg(long, default_value = "nca")]
        profile: Profile,
        /// Read the current key file's password from this file.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// Read the new key files' password from this file.
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
    /// Check an application: who signed it, when, what it asks for, valid or not.
    Verify {
        /// The application (application.p7s, DER or PEM).
        file: PathBuf,
        /// Trusted CA certificates; with them the signer's chain is checked too.
        #[arg(long, value_name = "CERT")]
        ca: Vec<PathBuf>,
    },
}

pub fn run(cmd: ApplicationCommand, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        ApplicationCommand::Build {
            sign_key,
            email,
            locality,
            storage: Storage::File,
            out,
            algorithm,
            profile,
            password_file,
            new_password_file,
        } => {
            let target = out.join(APPLICATION_FILE);
            if target.exists() {
                return Err(CliError::failed(format!(
                    "{} already exists; an application is never overwritten, choose another --out folder",
                    target.display()
                )));
            }
            let bytes = read_file(&sign_key)?;
            let password = current_password(password_file.as_deref())?;
            let file = KeyFile::from_bytes(&bytes, &password).map_err(CliError::said)?;
            let current =
                KzCertificate::from_der(file.require_certificate().map_err(CliError::failed)?)
                    .map_err(CliError::failed)?;
            require_valid_key(&current, ctx)?;
            let signer =
                SoftwareKey::from_pkcs8_der(file.private_key_pkcs8()).map_err(CliError::failed)?;
            let new_password = new_password(new_password_file.as_deref())?;

            // Everything is built and signed in memory first: a refusal
            // (expired key, AUTH key, …) leaves no file behind.
            let algorithm = algorithm.unwrap_or_else(|| same_kind_as(&signer));
            let new_keys = new_keys(algorithm)?;
            let requests: Vec<(Purpose, &dyn Signer)> = new_keys
                .iter()
                .map(|(purpose, key)| (*purpose, key as &dyn Signer))
                .collect();
            let details = ApplicationDetails {
                email,
                locality,
                storage: StorageKind::File,
            };
            let signed = reissue::build_application(&current, &signer, &requests, &details, ctx.at)
                .map_err(CliError::failed)?;

            // The key files, their requests and the application are written
            // as one unit: a failure (a full disk) leaves none of them, so
            // no key is ever without its application and a retry makes no
            // orphan.
            let mut files = Vec::new();
            for ((purpose, key), csr) in new_keys.iter().zip(&signed.csrs_der) {
                let key_file = key_file(key, *purpose, profile, &new_password)?;
                files.push(csr_file(&key_file.0, csr));
                files.push(key_file);
            }
            files.push((APPLICATION_FILE.to_string(), signed.p7s_der.clone()));
            let saved = save_files(&out, &files)?;
            let mut written = Vec::new();
            for (i, (purpose, _)) in new_keys.iter().enumerate() {
                let (csr_file, key_file) = (&saved[2 * i], &saved[2 * i + 1]);
                written.push(json!({ "purpose": purpose, "key_file": key_file, "csr": csr_file }));
            }
            let application = &saved[saved.len() - 1];
            if ctx.json {
                return output::json(&json!({
                    "application": application,
                    "keys": written,
                    "summary": signed.application.summary(),
                }));
            }
            for w in &written {
                say!(
                    "New {} key: {}",
                    purpose_label(w["purpose"].as_str().unwrap_or("")),
                    w["key_file"].as_str().unwrap_or("")
                );
            }
            say!("Application: {}", application.display());
            say!(
                "Submit it to the registration authority, then install the issued certificates into the new key files."
            );
            Ok(())
        }
        ApplicationCommand::Verify { file, ca } => verify(&file, &ca, ctx),
    }
}

/// "AUTH", "SIGN" or "AUTH+SIGN" for a purpose as JSON spells it.
fn purpose_label(json_name: &str) -> String {
    match json_name {
        "both" => "AUTH+SIGN".into(),
        other => other.to_uppercase(),
    }
}

/// The new keys of a renewal: GOST 2015 has one key for both purposes
/// (NCA's GOST512_ file), RSA and P-256 a separate AUTH and SIGN key.
fn new_keys(algorithm: KeySpec) -> Result<Vec<(Purpose, SoftwareKey)>, CliError> {
    let purposes: &[Purpose] = match algorithm {
        KeySpec::Gost512 => &[Purpose::Both],
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::P256 => &[Purpose::Auth, Purpose::Sign],
    };
    purposes
        .iter()
        .map(|purpose| Ok((*purpose, generate(algorithm).map_err(CliError::failed)?)))
        .collect()
}

/// The algorithm a renewal keeps when none is asked for: the current key's.
fn same_kind_as(current: &SoftwareKey) -> KeySpec {
    match current.key_algorithm() {
        PublicKeyAlgorithm::Gost2015 { .. } => KeySpec::Gost512,
        PublicKeyAlgorithm::EcP256 => KeySpec::P256,
        PublicKeyAlgorithm::Rsa { bits } if bits >= 3072 => KeySpec::Rsa3072,
        _ => KeySpec::Rsa2048,
    }
}

fn verify(path: &Path, ca: &[PathBuf], ctx: &Context) -> Result<(), CliError> {
    let verified = reissue::verify_application(&read_file(path)?).map_err(CliError::failed)?;
    let chain = if ca.is_empty() {
        Ok("not checked (give --ca to check it)".to_string())
    } else {
        let mut anchors = Vec::new();
        for c in ca {
            anchors.push(KzCertificate::parse(&read_file(c)?).map_err(CliError::failed)?);
        }
        validate(
            &verified.signer,
            &[],
            &TrustAnchors::new(anchors),
            verified.signing_time,
            Some(Purpose::Sign),
        )
        .map(|_| "trusted".to_string())
    };
    let summary = verified.summary();
    if ctx.json {
        let mut value = serde_json::to_value(&summary).map_err(CliError::failed)?;
        value["signature_valid"] = json!(true);
        value["chain"] = json!(chain.as_ref().map(String::as_str).unwrap_or("untrusted"));
        if let Err(e) = &chain {
            value["chain_problem"] = json!(e.to_string());
        }
        output::json(&value)?;
    } else {
        let signer = verified.signer.holder();
        let mut rows = vec![
            ("Signed by", signer.full_name().unwrap_or_default()),
            (
                "Signer IIN",
                signer
                    .iin
                    .as_ref()
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
            ),
            ("Signed at", verified.signing_time.to_string()),
            ("Signature", "valid".to_string()),
            (
                "Chain",
                match &chain {
                    Ok(s) => s.clone(),
                    Err(e) => format!("NOT TRUSTED: {e}"),
                },
            ),
        ];
        let app = serde_json::to_value(&summary).map_err(CliError::failed)?;
        for (label, key) in [
            ("E-mail", "email"),
            ("Locality", "locality"),
            ("Storage", "storage"),
        ] {
            rows.push((label, app[key].as_str().unwrap_or("").to_string()));
        }
        for request in app["requests"].as_array().into_iter().flatten() {
            rows.push((
                "Requests",
                format!(
                    "{} key, {}",
                    purpose_label(request["purpose"].as_str().unwrap_or("?")),
                    request["algorithm"].as_str().unwrap_or("?")
                ),
            ));
        }
        output::fields(&rows)?;
    }
    chain.map(|_| ()).map_err(CliError::failed)
}
