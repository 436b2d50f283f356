//! Revocation: revoking a citizen's certificate, and what each CA's CRL
//! lists and numbers.

use crate::db::params;
use time::OffsetDateTime;

use super::{RegistryError, Result, certificate_by_serial, from_unix, unix};
use crate::ca::CaKind;
use crate::ca::crl::{RevocationReason, RevokedEntry};
use crate::db::{self, Db};

/// Revoke certificate `serial` of `iin`.
pub fn revoke(
    db: &Db,
    iin: &str,
    serial: &str,
    reason: RevocationReason,
    actor: &str,
    now: OffsetDateTime,
) -> Result<CaKind> {
    let conn = db.conn();
    let record = certificate_by_serial(&conn, serial)?
        .filter(|r| r.iin == iin)
        .ok_or_else(|| RegistryError::NoSuchCertificate(serial.to_string()))?;
    if record.revoked_at.is_some() {
        return Err(RegistryError::AlreadyRevoked(record.serial));
    }
    conn.execute(
        "UPDATE certificates SET revoked_at = ?1, revocation_reason = ?2 WHERE id = ?3",
        params![unix(now), reason.code(), record.id],
    )?;
    db::audit(
        &conn,
        unix(now),
        actor,
        "revoke",
        &record.serial,
        Some(reason.name()),
    )?;
    Ok(record.ca)
}

/// The revoked certificates of one CA, for its CRL.
pub fn revoked_entries(db: &Db, ca: CaKind) -> Result<Vec<RevokedEntry>> {
    let conn = db.conn();
    let mut stmt = conn.prepare(
        "SELECT serial, revoked_at, revocation_reason FROM certificates
         WHERE ca = ?1 AND revoked_at IS NOT NULL ORDER BY revoked_at",
    )?;
    let rows = stmt.query_map([ca.name()], |r| {
        let serial: String = r.get(0)?;
        let at: i64 = r.get(1)?;
        let reason: Option<u8> = r.get(2)?;
        Ok((serial, at, reason))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (serial, at, reason) = row?;
        out.push(RevokedEntry {
            serial: hex::decode(serial).unwrap_or_default(),
            revoked_at: from_unix(at),
            reason: reason.and_then(RevocationReason::from_code),
        });
    }
    Ok(out)
}

/// The next CRL number of `ca`.
pub fn next_crl_number(db: &Db, ca: CaKind) -> Result<u64> {
    let conn = db.conn();
    // One statement: two nodes numbering at once get different numbers.
    let n: i64 = conn.query_row(
        "INSERT INTO crl_numbers (ca, next) VALUES (?1, 1)
         ON CONFLICT(ca) DO UPDATE SET next = crl_numbers.next + 1
         RETURNING next",
        [ca.name()],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}
