//! Flat views of an application for people and JSON (CLI output, the apps'
//! review screen, the RA's logs). They hold no key material: public keys
//! appear only as their SHA-1 key identifier.

use serde::Serialize;
use sha1::{Digest, Sha1};
use time::OffsetDateTime;

use super::application::ReissueApplication;
use super::csr::verify_request;
use super::details::StorageKind;
use super::verify::VerifiedApplication;
use crate::cert::Purpose;
use crate::crypto::PublicKeyAlgorithm;

#[derive(Debug, Clone, Serialize)]
pub struct ApplicationSummary {
    pub applicant: ApplicantSummary,
    pub email: String,
    pub locality: String,
    pub storage: StorageKind,
    pub requests: Vec<RequestSummary>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub client_version: String,
    pub nonce: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplicantSummary {
    pub iin: String,
    pub surname: Option<String>,
    pub first_name: Option<String>,
    pub patronymic: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestSummary {
    pub purpose: Purpose,
    pub algorithm: String,
    /// SHA-1 of the public key bits: the new key file's name and certificate SKI.
    pub key_id: String,
    pub proof_of_possession: bool,
}

/// The application's summary plus who signed it and when.
#[derive(Debug, Clone, Serialize)]
pub struct VerifiedSummary {
    #[serde(flatten)]
    pub application: ApplicationSummary,
    pub signer: SignerSummary,
    #[serde(with = "time::serde::rfc3339")]
    pub signing_time: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignerSummary {
    pub holder: Option<String>,
    pub iin: Option<String>,
    pub serial: String,
    pub key_algorithm: String,
}

impl ReissueApplication {
    /// A flat view for people and JSON.
    pub fn summary(&self) -> ApplicationSummary {
        ApplicationSummary {
            applicant: ApplicantSummary {
                iin: self.applicant.iin.to_string(),
                surname: self.applicant.surname.clone(),
                first_name: self.applicant.first_name.clone(),
                patronymic: self.applicant.patronymic.clone(),
            },
            email: self.email.to_string(),
            locality: self.locality.clone(),
            storage: self.storage,
            requests: self
                .requests
                .iter()
                .map(|r| {
                    let key = &r.csr.info.public_key;
                    RequestSummary {
                        purpose: r.purpose.purpose(),
                        algorithm: PublicKeyAlgorithm::of(key).name(),
                        key_id: hex::encode(Sha1::digest(key.subject_public_key.raw_bytes())),
                        proof_of_possession: verify_request(&r.csr).is_ok(),
                    }
                })
                .collect(),
            created_at: self.created_at(),
            client_version: self.client_version.clone(),
            nonce: hex::encode(self.nonce.as_bytes()),
        }
    }
}

impl VerifiedApplication {
    /// The application's summary plus who signed it and when.
    pub fn summary(&self) -> VerifiedSummary {
        let holder = self.signer.holder();
        VerifiedSummary {
            application: self.application.summary(),
            signer: SignerSummary {
                holder: holder.full_name(),
                iin: holder.iin.as_ref().map(|i| i.digits().to_string()),
                serial: self.signer.serial_hex(),
                key_algorithm: self.signer.key_algorithm().name(),
            },
            signing_time: self.signing_time,
        }
    }
}
