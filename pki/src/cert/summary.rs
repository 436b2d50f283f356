//! A flat, serialisable view of a certificate for people, JSON and the apps.

use serde::Serialize;
use time::OffsetDateTime;

use super::{KzCertificate, Purpose, Role, TimeStatus};

/// What `qoltanba keys show` prints and the apps display in the key list.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateSummary {
    pub holder: Option<String>,
    pub surname: Option<String>,
    pub first_name: Option<String>,
    pub patronymic: Option<String>,
    pub iin: Option<String>,
    pub iin_valid: bool,
    /// Why the IIN does not check out, when it does not.
    pub iin_problem: Option<String>,
    pub bin: Option<String>,
    pub bin_valid: Option<bool>,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub purpose: Purpose,
    pub roles: Vec<Role>,
    pub key_algorithm: String,
    pub key_bits: u32,
    pub signature_algorithm: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    pub status: TimeStatus,
    pub days_left: i64,
    pub issuer: String,
    pub serial: String,
    pub subject_key_id: Option<String>,
    pub authority_key_id: Option<String>,
    pub policies: Vec<String>,
    pub crl_urls: Vec<String>,
    pub ocsp_urls: Vec<String>,
    pub ca_issuer_urls: Vec<String>,
    pub kz_private_extension: Option<String>,
}

impl KzCertificate {
    /// Summarise the certificate as seen at `at`.
    pub fn summary(&self, at: OffsetDateTime) -> CertificateSummary {
        let holder = self.holder();
        let hex_opt = |b: Option<&[u8]>| b.map(hex::encode_upper);
        CertificateSummary {
            holder: holder.full_name(),
            surname: holder.surname.clone(),
            first_name: holder.first_name().map(str::to_string),
            patronymic: holder.patronymic.clone(),
            iin: holder.iin.as_ref().map(|i| i.digits().to_string()),
            iin_valid: holder.iin.as_ref().is_some_and(|i| i.is_valid()),
            iin_problem: holder
                .iin
                .as_ref()
                .and_then(|i| i.problem())
                .map(|p| format!("not a valid IIN: {p}")),
            bin: holder.bin.as_ref().map(|b| b.digits().to_string()),
            bin_valid: holder.bin.as_ref().map(|b| b.is_valid()),
            organisation: holder.organisation.clone(),
            email: holder.email.clone(),
            purpose: self.purpose(),
            roles: self.roles().to_vec(),
            key_algorithm: self.key_algorithm().name(),
            key_bits: self.key_algorithm().bits(),
            signature_algorithm: self.signature_algorithm().map(|a| a.name().to_string()),
            not_before: self.not_before(),
            not_after: self.not_after(),
            status: self.time_status(at),
            days_left: self.days_left(at),
            issuer: self
                .issuer()
                .common_name
                .clone()
                .unwrap_or_else(|| self.issuer_name()),
            serial: self.serial_hex(),
            subject_key_id: hex_opt(self.subject_key_id()),
            authority_key_id: hex_opt(self.authority_key_id()),
            policies: self.policies().iter().map(|o| o.to_string()).collect(),
            crl_urls: self.crl_urls().to_vec(),
            ocsp_urls: self.ocsp_urls().to_vec(),
            ca_issuer_urls: self.ca_issuer_urls().to_vec(),
            kz_private_extension: hex_opt(self.kz_private_extension()),
        }
    }
}
