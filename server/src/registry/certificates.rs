//! The certificates the RA issued: recording them, finding one by serial,
//! the checks every certificate presented to the RA passes, the citizen's
//! list with each certificate's status, and the encodings the API hands
//! certificates out in.

use crate::db::{Conn, OptionalExtension, params};
use qoltanba_pki::cert::{KzCertificate, Purpose, TrustAnchors, validate};
use qoltanba_pki::protocol::{CertificateInfo, CertificateStatus};
use qoltanba_pki::reissue::StorageKind;
use qoltanba_pki::timestamp::rfc3339_unix;
use time::OffsetDateTime;

use super::{RegistryError, Result, unix};
use crate::ca::crl::RevocationReason;
use crate::ca::{CaKind, CaSet};
use crate::config::Policy;
use crate::db::{self, Db};

/// Store an issued certificate, with where the RA established its key lives.
#[allow(clippy::too_many_arguments)] // one column each; a struct would only rename them
pub fn record_certificate(
    conn: &Conn,
    iin: &str,
    ca: CaKind,
    purpose: Purpose,
    cert: &KzCertificate,
    application_id: Option<i64>,
    storage: StorageKind,
) -> Result<i64> {
    let id = conn.query_row(
        "INSERT INTO certificates (serial, iin, ca, purpose, algorithm, not_before, not_after, der, application_id, storage)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
        params![
            cert.serial_hex(),
            iin,
            ca.name(),
            purpose.token(),
            cert.key_algorithm().name(),
            unix(cert.not_before()),
            unix(cert.not_after()),
            cert.der(),
            application_id,
            storage.token(),
        ],
        |r| r.get(0),
    )?;
    // The caller counts it (metrics::certificate_issued) once its
    // transaction has committed: a rollback issues nothing.
    Ok(id)
}

/// A certificate the RA issued, as its records hold it.
#[derive(Debug, Clone)]
pub struct CertificateRecord {
    pub id: i64,
    pub serial: String,
    pub iin: String,
    pub ca: CaKind,
    pub purpose: String,
    pub revoked_at: Option<i64>,
    pub replaced_at: Option<i64>,
    pub der: Vec<u8>,
    /// Where the RA established the key lives; `None` before schema 4.
    pub storage: Option<StorageKind>,
}

pub fn certificate_by_serial(conn: &Conn, serial: &str) -> Result<Option<CertificateRecord>> {
    Ok(conn
        .query_row(
            "SELECT id, serial, iin, ca, purpose, revoked_at, replaced_at, der, storage
             FROM certificates WHERE serial = ?1",
            [serial.to_ascii_uppercase()],
            |r| {
                Ok(CertificateRecord {
                    id: r.get(0)?,
                    serial: r.get(1)?,
                    iin: r.get(2)?,
                    ca: CaKind::from_name(&r.get::<_, String>(3)?).unwrap_or(CaKind::Rsa),
                    purpose: r.get(4)?,
                    revoked_at: r.get(5)?,
                    replaced_at: r.get(6)?,
                    der: r.get(7)?,
                    storage: r
                        .get::<_, Option<String>>(8)?
                        .as_deref()
                        .and_then(StorageKind::from_token),
                })
            },
        )
        .optional()?)
}

/// The checks every certificate presented to the RA passes: issued here,
/// chains to our root at `now`, not revoked, allows `purpose`. Returns the
/// holder's IIN.
pub fn check_presented(
    db: &Db,
    cas: &CaSet,
    cert: &KzCertificate,
    purpose: Purpose,
    now: OffsetDateTime,
) -> Result<(String, CertificateRecord)> {
    let record = certificate_by_serial(&db.conn(), &cert.serial_hex())?
        .filter(|r| r.der == cert.der())
        .ok_or(RegistryError::UnknownCertificate)?;
    let anchors = TrustAnchors::new(vec![cas.root.cert.clone()]);
    let intermediates: Vec<KzCertificate> = cas.issuing.iter().map(|a| a.cert.clone()).collect();
    validate(cert, &intermediates, &anchors, now, None)
        .map_err(|e| RegistryError::Untrusted(e.to_string()))?;
    if record.revoked_at.is_some() {
        return Err(RegistryError::Revoked);
    }
    let allowed = match purpose {
        Purpose::Auth => cert.purpose().can_auth(),
        Purpose::Sign => cert.purpose().can_sign(),
        _ => true,
    };
    if !allowed {
        return Err(match purpose {
            Purpose::Auth => RegistryError::WrongKey("log in", "AUTH (login)"),
            _ => RegistryError::WrongKey("sign", "SIGN"),
        });
    }
    Ok((record.iin.clone(), record))
}

/// The citizen's certificates, newest first, each with its status at `now`
/// (expiring: fewer than `policy.expiring_days` whole days left).
pub fn list_certificates(
    db: &Db,
    iin: &str,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<Vec<CertificateInfo>> {
    let conn = db.conn();
    let mut stmt = conn.prepare(
        "SELECT serial, purpose, algorithm, ca, not_before, not_after, revoked_at, replaced_at, der,
             revocation_reason, storage
         FROM certificates WHERE iin = ?1 ORDER BY not_before DESC, id DESC",
    )?;
    let rows = stmt.query_map([iin], |r| {
        let revoked: Option<i64> = r.get(6)?;
        let replaced: Option<i64> = r.get(7)?;
        let not_after: i64 = r.get(5)?;
        let days_left = (not_after - unix(now)).div_euclid(86_400);
        let status = if revoked.is_some() {
            CertificateStatus::Revoked
        } else if not_after <= unix(now) {
            CertificateStatus::Expired
        } else if days_left < i64::from(policy.expiring_days) {
            CertificateStatus::Expiring
        } else {
            CertificateStatus::Valid
        };
        let der: Vec<u8> = r.get(8)?;
        let reason: Option<u8> = r.get(9)?;
        let storage: Option<String> = r.get(10)?;
        Ok(CertificateInfo {
            serial: r.get(0)?,
            purpose: db::token_column(r, 1, Purpose::from_token)?,
            algorithm: r.get(2)?,
            issuer: r.get(3)?,
            not_before: rfc3339_unix(r.get(4)?),
            not_after: rfc3339_unix(not_after),
            status,
            days_left: days_left.max(0),
            replaced: replaced.is_some(),
            revoked_at: revoked.map(rfc3339_unix),
            revocation_reason: revoked.and(
                reason
                    .and_then(RevocationReason::from_code)
                    .map(|r| r.name().to_string()),
            ),
            storage: storage.as_deref().and_then(StorageKind::from_token),
            certificate: base64_std(&der),
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

pub fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// DER of a certificate list entry, for the download.
pub fn pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).unwrap_or_default()
}
