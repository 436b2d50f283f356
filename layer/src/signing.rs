//! The signatures a request asks for, made with the chosen key, in the
//! form its reply carries: commonUtils gets Base64 DER CMS, basics gets
//! PEM (`-----BEGIN CMS-----`, as the real NCALayer answers), XML comes
//! back as the signed document.

use base64::Engine as _;
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::Signer;
use qoltanba_pki::signed_message::{Attachment, sign_document};
use time::OffsetDateTime;

use crate::protocol::{Payload, Shape};

/// Why no signature was made.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// A kind of signature this build cannot make yet.
    #[error("{0} is not available")]
    Unsupported(String),
    /// The document cannot be signed as asked (XML that does not parse, …).
    #[error("{0}")]
    BadDocument(String),
    #[error("{0}")]
    Failed(String),
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

/// One signature per document of `payload`, in order.
pub fn sign_payload(
    payload: &Payload,
    shape: Shape,
    signer: &dyn Signer,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> Result<Vec<String>, SignError> {
    match payload {
        Payload::Cms {
            documents,
            attach,
            digested,
            cades: _,
            timestamp,
        } => {
            if *digested {
                return Err(SignError::Unsupported("CMS over a hash".into()));
            }
            if *timestamp {
                // A time-stamp needs a configured TSA; without one NCALayer
                // signs without it too (tsaProfile {} is a request, not a must).
            }
            let attachment = if *attach {
                Attachment::Attached
            } else {
                Attachment::Detached
            };
            documents
                .iter()
                .map(|document| {
                    let der = sign_document(document, attachment, signer, cert, at)
                        .map_err(|e| SignError::Failed(e.to_string()))?;
                    Ok(match shape {
                        Shape::Basics => pem("CMS", &der),
                        _ => base64::engine::general_purpose::STANDARD.encode(der),
                    })
                })
                .collect()
        }
        Payload::Xml { .. } => Err(SignError::Unsupported("XML signing".into())),
    }
}
