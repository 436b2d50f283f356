//! The signatures a request asks for, made with the chosen key, in the
//! form its reply carries: commonUtils gets Base64 DER CMS, basics gets
//! PEM (`-----BEGIN CMS-----`, as the real NCALayer answers), XML comes
//! back as the signed document. The formats are the formats crate's
//! (`sign_cms`, `sign_xml`); CAdES-T through the configured TSA.

use base64::Engine as _;
use qoltanba_core::tsa::TimestampAuthority;
use qoltanba_l10n::{Localize, Text};
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::Signer;
use qoltanba_pki::signed_message::{Attachment, CmsProfile, CmsSignOptions, sign_cms};
use qoltanba_pki::xmldsig::{C14n, XmlSignOptions, XmlSignatureError, sign_xml};
use time::OffsetDateTime;

use crate::protocol::{Payload, Shape};

/// Why no signature was made; the text says it in the reply's language.
#[derive(Debug)]
pub enum SignError {
    /// The document cannot be signed as asked (XML that does not parse, a
    /// hash of the wrong length, …).
    BadDocument(Text),
    /// The key or the TSA failed.
    Failed(Text),
}

/// `der` as PEM with `label`, 64 columns.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// What signs: the chosen key and, for CAdES-T, the TSA.
pub struct SigningKey<'a> {
    pub signer: &'a dyn Signer,
    pub cert: &'a KzCertificate,
    pub tsa: Option<&'a TimestampAuthority>,
    pub at: OffsetDateTime,
}

/// One signature per document of `payload`, in order.
pub fn sign_payload(
    payload: &Payload,
    shape: Shape,
    key: &SigningKey<'_>,
) -> Result<Vec<String>, SignError> {
    match payload {
        Payload::Cms {
            documents,
            attach,
            digested,
            cades,
            timestamp,
        } => {
            let options = CmsSignOptions {
                attachment: if *attach && !*digested {
                    Attachment::Attached
                } else {
                    Attachment::Detached
                },
                profile: if *cades {
                    CmsProfile::CadesBes
                } else {
                    CmsProfile::Cms
                },
                content_is_digest: *digested,
            };
            documents
                .iter()
                .map(|document| {
                    let mut der = sign_cms(document, &options, key.signer, key.cert, key.at)
                        .map_err(|e| match e {
                            qoltanba_pki::signed_message::SignedMessageError::DigestLength {
                                ..
                            } => SignError::BadDocument(e.text()),
                            e => SignError::Failed(e.text()),
                        })?;
                    // A time-stamp when the page asks for one (basics'
                    // tsaProfile) and a TSA is configured (`serve --tsa URL`).
                    // Without a TSA the signature stays CAdES-BES; the
                    // consent prompt says so before the citizen allows it.
                    if *timestamp && let Some(tsa) = key.tsa {
                        der = tsa
                            .timestamp_blocking(&der)
                            .map_err(|e| SignError::Failed(e.text()))?
                            .0;
                    }
                    Ok(match shape {
                        Shape::Basics => pem("CMS", &der),
                        _ => base64::engine::general_purpose::STANDARD.encode(der),
                    })
                })
                .collect()
        }
        Payload::Xml {
            documents,
            tbs_element_xpath,
            signature_parent_xpath,
        } => {
            let options = XmlSignOptions {
                tbs_element_xpath: Some(tbs_element_xpath.clone()).filter(|p| !p.is_empty()),
                signature_parent_xpath: Some(signature_parent_xpath.clone())
                    .filter(|p| !p.is_empty()),
                canonicalization: C14n::Inclusive,
            };
            documents
                .iter()
                .map(|xml| {
                    sign_xml(xml, &options, key.signer, key.cert).map_err(|e| match e {
                        XmlSignatureError::Sign(_)
                        | XmlSignatureError::KeyMismatch
                        | XmlSignatureError::UnsupportedSigner(_) => SignError::Failed(e.text()),
                        e => SignError::BadDocument(e.text()),
                    })
                })
                .collect()
        }
    }
}
