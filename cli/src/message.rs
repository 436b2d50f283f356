//! `qoltanba message sign|verify`: small signed CMS messages, e.g. the RA's
//! login challenge (`curl … /v1/auth/challenge`, sign the nonce, post the
//! result to /v1/auth/login) and revocation requests.
//!
//! What `verify` prints is what the bytes prove, nothing more. The
//! signature covers the content and the signed attributes, and proves the
//! key in the embedded certificate signed them; the rest of that
//! certificate (the holder's name, the IIN) is anyone's word until the
//! certificate's own signature is checked against a CA the reader trusts
//! (`--trust`). Without it the signer is reported as "not verified" and no
//! claim of the certificate is printed (issue 21: an IIN altered inside the
//! embedded certificate was printed as the signer).

use std::path::{Path, PathBuf};

use clap::Subcommand;
use qoltanba_l10n::Text;
use qoltanba_pki::cert::{CertificateSummary, KzCertificate, TrustAnchors, validate};
use qoltanba_pki::crypto::SoftwareKey;
use qoltanba_pki::keyfile::{KeyFile, key_id, save_new};
use qoltanba_pki::signed_message::{sign_message, verify_message};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::error::CliError;
use crate::keys::{current_password, require_valid_key};
use crate::output::say;
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
    /// Check a signed message and print its content; with --trust, who
    /// signed it.
    Verify {
        file: PathBuf,
        /// A CA certificate (DER or PEM) to check the signer's certificate
        /// against; repeat for several. Without it the signer is not
        /// verified and the certificate's claims (name, IIN) are not shown.
        #[arg(long, value_name = "CERT")]
        trust: Vec<PathBuf>,
    },
}

pub fn run(cmd: MessageCommand, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        MessageCommand::Sign {
            key,
            input,
            out,
            password_file,
        } => {
            let (dir, name) = out_file(&out)?;
            let content = read_file(&input)?;
            let password = current_password(password_file.as_deref())?;
            let file = KeyFile::from_bytes(&read_file(&key)?, &password).map_err(CliError::said)?;
            let cert =
                KzCertificate::from_der(file.require_certificate().map_err(CliError::failed)?)
                    .map_err(CliError::failed)?;
            require_valid_key(&cert, ctx)?;
            let signer =
                SoftwareKey::from_pkcs8_der(file.private_key_pkcs8()).map_err(CliError::failed)?;
            let signed =
                sign_message(&content, &signer, &cert, ctx.at).map_err(CliError::failed)?;
            let saved = save_new(dir, name, &signed).map_err(CliError::key_file)?;
            if ctx.json {
                output::json(&json!({ "signed": saved }))
            } else {
                say!("Signed message: {}", saved.display());
                Ok(())
            }
        }
        MessageCommand::Verify { file, trust } => {
            let mut anchors = Vec::new();
            for path in &trust {
                anchors.push(KzCertificate::parse(&read_file(path)?).map_err(CliError::failed)?);
            }
            let report = report(&read_file(&file)?, &anchors, ctx.at)?;
            if ctx.json {
                output::json(&report)
            } else {
                print(&report)
            }
        }
    }
}

/// The folder and the UTF-8 file name `--out` names.
fn out_file(out: &Path) -> Result<(&Path, &str), CliError> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .ok_or_else(|| CliError::usage("--out must name a file"))?;
    let name = name.to_str().ok_or_else(|| {
        CliError::usage_text(
            Text::new("cli-out-not-utf8").arg("name", name.to_string_lossy().into_owned()),
        )
    })?;
    Ok((dir, name))
}

/// What `message verify` reports: facts the bytes prove, and the signer's
/// certificate only once it chains to a trusted CA.
#[derive(Debug, Serialize)]
struct MessageReport {
    /// The signed content (lossy UTF-8).
    content: String,
    /// The signingTime attribute: signed, but the signer's own claim.
    signed_at: Option<String>,
    /// A TSA's checked time-stamp of the signature (CAdES-T).
    timestamp: Option<String>,
    /// The key that made the signature: SHA-1 of its public key bits (the
    /// key ID of NCA's file names), a fact whatever the certificate says.
    signer_key_id: String,
    /// The signer's certificate chains to a `--trust` CA at the instant
    /// judged (now or `--at`).
    signer_verified: bool,
    /// The certificate's claims (name, IIN, validity), only when verified.
    signer: Option<CertificateSummary>,
}

/// Verify `bytes` and, with `anchors`, the signer's certificate at `at`. A
/// message that does not verify, or whose signer does not chain to one of
/// the given anchors, is an error: nothing of it is reported.
fn report(
    bytes: &[u8],
    anchors: &[KzCertificate],
    at: OffsetDateTime,
) -> Result<MessageReport, CliError> {
    let verified = verify_message(bytes).map_err(CliError::said)?;
    let signer = if anchors.is_empty() {
        None
    } else {
        validate(
            &verified.signer,
            &[],
            &TrustAnchors::new(anchors.to_vec()),
            at,
            None,
        )
        .map_err(|e| {
            CliError::failed(format!(
                "the signer's certificate is not trusted: {e}; the message proves nothing about who signed it"
            ))
        })?;
        Some(verified.signer.summary(at))
    };
    Ok(MessageReport {
        content: String::from_utf8_lossy(&verified.content).into_owned(),
        signed_at: verified.signing_time.map(qoltanba_pki::timestamp::rfc3339),
        timestamp: verified.timestamp.map(qoltanba_pki::timestamp::rfc3339),
        signer_key_id: hex::encode_upper(key_id(verified.signer.public_key())),
        signer_verified: signer.is_some(),
        signer,
    })
}

fn print(report: &MessageReport) -> Result<(), CliError> {
    let mut rows = vec![("Content", report.content.clone())];
    if let Some(at) = &report.signed_at {
        rows.push(("Signed at", format!("{at} (the signer's claim)")));
    }
    if let Some(at) = &report.timestamp {
        rows.push(("Time-stamp", at.clone()));
    }
    rows.push(("Signer key ID", report.signer_key_id.clone()));
    match &report.signer {
        None => rows.push((
            "Signed by",
            "signer not verified (give --trust CA-CERT to check the certificate in the message)"
                .into(),
        )),
        Some(summary) => {
            rows.push(("Signed by", "verified against the trusted CA".into()));
            rows.extend(output::certificate_rows(summary));
        }
    }
    output::fields(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> PathBuf {
        qoltanba_testkit::fixtures::root()
            .join("nca-test")
            .join(rel)
    }

    fn at() -> OffsetDateTime {
        OffsetDateTime::parse(
            "2024-06-01T00:00:00Z",
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    }

    /// A login challenge signed with the real NCA GOST 2015 key, and that
    /// key's issuing CA.
    fn signed_login() -> (Vec<u8>, KzCertificate) {
        let file = KeyFile::from_bytes(
            &std::fs::read(fixture("gokalkan/gost1.p12")).unwrap(),
            &"Qwerty12".into(),
        )
        .unwrap();
        let cert = KzCertificate::from_der(file.require_certificate().unwrap()).unwrap();
        let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8()).unwrap();
        let signed = sign_message(b"challenge-42", &key, &cert, at()).unwrap();
        let ca = KzCertificate::parse(
            &std::fs::read(fixture("ncanode/ca/nca_gost2015_test.cer")).unwrap(),
        )
        .unwrap();
        (signed, ca)
    }

    /// Issue 21: every single-byte change of a signed login message, at
    /// every offset and with two masks (one bit, all bits), is refused, or
    /// accepted with the very same report; with the CA as trust anchor
    /// every one is refused.
    #[test]
    fn no_flipped_byte_changes_a_reported_fact() {
        let (signed, ca) = signed_login();
        let original = serde_json::to_value(report(&signed, &[], at()).unwrap()).unwrap();
        let trusted = report(&signed, std::slice::from_ref(&ca), at()).unwrap();
        assert!(trusted.signer_verified);
        assert_eq!(original["signer"], serde_json::Value::Null);
        let mut accepted_untrusted = 0;
        let mut accepted_trusted = Vec::new();
        for offset in 0..signed.len() {
            for mask in [0x01u8, 0xff] {
                let mut bytes = signed.clone();
                bytes[offset] ^= mask;
                if let Ok(r) = report(&bytes, &[], at()) {
                    accepted_untrusted += 1;
                    assert_eq!(
                        serde_json::to_value(r).unwrap(),
                        original,
                        "offset {offset} mask {mask:02x} changed a reported fact"
                    );
                    if report(&bytes, std::slice::from_ref(&ca), at()).is_ok() {
                        accepted_trusted.push((offset, mask));
                    }
                }
            }
        }
        assert_eq!(
            accepted_trusted,
            Vec::<(usize, u8)>::new(),
            "flips accepted with the CA as anchor"
        );
        eprintln!(
            "{} bytes, {} flips accepted without anchors (same report)",
            signed.len(),
            accepted_untrusted
        );
    }
}
