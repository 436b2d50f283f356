//! The life of a reissue application after the API accepted it: the key
//! policy it must meet, its one-time code (stored only as a hash), the
//! operator's or the policy's approval, issuance, rejection.

use crate::db::{Conn, OptionalExtension, params};
use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::PublicKeyAlgorithm;
use qoltanba_pki::protocol::{ApplicationState, KeyAttestation};
use qoltanba_pki::reissue::{StorageKind, VerifiedApplication};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{CertificateRecord, RegistryError, Result, record_certificate, unix};
use crate::ca::CaSet;
use crate::config::Policy;
use crate::db::{self, Db};

/// The server's policy on the keys an application asks for.
pub fn check_policy(application: &VerifiedApplication, policy: &Policy) -> Result<()> {
    for csr in &application.csrs {
        let algorithm = PublicKeyAlgorithm::of(&csr.public_key);
        let family = match algorithm {
            PublicKeyAlgorithm::Gost2015 { bits: 512 } => "gost2015",
            PublicKeyAlgorithm::Rsa { .. } => "rsa",
            PublicKeyAlgorithm::EcP256 => "p256",
            _ => "",
        };
        if !policy.algorithms.iter().any(|a| a == family) {
            return Err(RegistryError::AlgorithmRefused(
                algorithm.name(),
                policy.algorithms.join(", "),
            ));
        }
        if let PublicKeyAlgorithm::Rsa { bits } = algorithm
            && bits < policy.min_rsa_bits
        {
            return Err(RegistryError::KeyTooSmall(policy.min_rsa_bits));
        }
    }
    Ok(())
}

/// Where the RA takes an application's new keys to live, from what the
/// application claims (`storage`) and what backs the claim
/// (docs/protocol.md, "Validity by storage"):
/// - a key file needs no backing;
/// - the phone's keystore: every new key's attestation verified (the
///   `attested` results of [`crate::attestation::check_application`]);
/// - the ID card: the application is signed with a certificate this RA
///   issued to an ID card (`signer`, recorded at card enrolment or by an
///   earlier renewal so established);
/// - a token: only with `policy.trust_token_claims`, as nothing the RA sees
///   can prove it.
///
/// A claim without its backing is not refused: it is established as a key
/// file, so it gets the shortest validity, and the certificates say so.
pub fn establish_storage(
    claimed: StorageKind,
    attested: &[KeyAttestation],
    signer: &CertificateRecord,
    policy: &Policy,
) -> StorageKind {
    let backed = match claimed {
        StorageKind::File => true,
        StorageKind::PlatformKeystore => {
            !attested.is_empty() && attested.iter().all(|a| a.level != "none")
        }
        StorageKind::IdCard => signer.storage == Some(StorageKind::IdCard),
        StorageKind::Token => policy.trust_token_claims,
    };
    if backed { claimed } else { StorageKind::File }
}

/// The hash a one-time code is stored as (never the code itself).
pub fn code_hash(application_id: i64, code: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"qoltanba-ra one-time code v1\0");
    h.update(application_id.to_be_bytes());
    h.update(code.as_bytes());
    h.finalize().to_vec()
}

/// A fresh 6-digit one-time code.
pub fn new_code() -> zeroize::Zeroizing<String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the OS random number generator works");
    zeroize::Zeroizing::new(format!("{:06}", u64::from_be_bytes(bytes) % 1_000_000))
}

/// Issue the certificates of application `id`: approve it and issue in
/// one transaction (confirmed → issued), or finish the issuance of one left
/// approved (approved → issued; by an RA that stopped between the two
/// before they were one transaction). Marks the citizen's older
/// certificates of the same purposes as replaced, so their expiry notices
/// stop. The state before; [`RegistryError::WrongState`] from any other
/// state, including when another process issued it meanwhile.
fn approve_and_issue(
    db: &Db,
    cas: &CaSet,
    public_url: &str,
    policy: &Policy,
    id: i64,
    actor: &str,
    now: OffsetDateTime,
) -> Result<ApplicationState> {
    let (iin, state, p7s, storage): (String, ApplicationState, Vec<u8>, Option<String>) = db
        .conn()
        .query_row(
            "SELECT iin, state, p7s, storage FROM applications WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    db::token_column(r, 1, ApplicationState::from_token)?,
                    r.get(2)?,
                    r.get(3)?,
                ))
            },
        )
        .optional()?
        .ok_or(RegistryError::NoSuchApplication(id))?;
    if !matches!(
        state,
        ApplicationState::Confirmed | ApplicationState::Approved
    ) {
        return Err(RegistryError::WrongState(state));
    }
    // An application submitted before the RA established storage (schema
    // 4) gets the validity of a key file: nothing backed a longer one.
    let storage = storage
        .as_deref()
        .and_then(StorageKind::from_token)
        .unwrap_or(StorageKind::File);
    let validity_days = policy.validity_days.for_storage(storage);
    let verified = qoltanba_pki::reissue::verify_application(&p7s)
        .map_err(|e| RegistryError::Invalid(e.to_string()))?;
    // Signing writes nothing: certificates signed by a run that dies (or
    // loses the race below) are never recorded nor handed out.
    let mut issued = Vec::new();
    for csr in &verified.csrs {
        issued.push((csr.purpose, cas.issue(csr, now, validity_days, public_url)?));
    }
    crate::crash::point("issue-signed");
    let mut conn = db.conn();
    // The state read below and the writes after it hold the lock together
    // (SQLite: the write lock from BEGIN IMMEDIATE; PostgreSQL: the row's,
    // FOR UPDATE), also against the operator's commands and other nodes.
    let tx = conn.transaction()?;
    let now_state = state_of(&tx, id)?;
    if now_state != state {
        return Err(RegistryError::WrongState(now_state));
    }
    if state == ApplicationState::Confirmed {
        db::audit(&tx, unix(now), actor, "approve", &id.to_string(), None)?;
        crate::crash::point("approved");
    }
    // Every older certificate of the same purposes is superseded.
    for (purpose, _) in &issued {
        let covered: &[&str] = match purpose {
            Purpose::Both => &["auth", "sign", "both"],
            Purpose::Auth => &["auth", "both"],
            Purpose::Sign => &["sign", "both"],
            Purpose::Neither => &[],
        };
        for p in covered {
            tx.execute(
                "UPDATE certificates SET replaced_at = ?1 WHERE iin = ?2 AND purpose = ?3 AND replaced_at IS NULL",
                params![unix(now), iin, p],
            )?;
        }
    }
    for (purpose, (ca, cert)) in &issued {
        record_certificate(&tx, &iin, *ca, *purpose, cert, Some(id), storage)?;
    }
    set_state(&tx, id, ApplicationState::Issued, now)?;
    db::audit(
        &tx,
        unix(now),
        actor,
        "issue",
        &id.to_string(),
        Some(&format!(
            "{} certificates, {} days ({})",
            issued.len(),
            validity_days,
            storage.token()
        )),
    )?;
    tx.commit()?;
    for (_, (ca, _)) in &issued {
        crate::metrics::certificate_issued(ca.name());
    }
    crate::crash::point("issue-committed");
    Ok(state)
}

/// Reject an application not yet issued (the operator's decision), with a
/// reason the citizen sees: awaiting its code, confirmed, or approved but
/// not issued (an RA that stopped in between).
pub fn reject(db: &Db, id: i64, reason: &str, actor: &str, now: OffsetDateTime) -> Result<()> {
    let mut conn = db.conn();
    let tx = conn.transaction()?;
    match state_of(&tx, id)? {
        ApplicationState::Confirmed
        | ApplicationState::AwaitingCode
        | ApplicationState::Approved => {}
        other => return Err(RegistryError::WrongState(other)),
    }
    set_state(&tx, id, ApplicationState::Rejected, now)?;
    db::audit(
        &tx,
        unix(now),
        actor,
        "reject",
        &id.to_string(),
        Some(reason),
    )?;
    tx.commit()?;
    Ok(())
}

/// Approve application `id` and issue its certificates, in one transaction
/// (operator or auto-approval): a confirmed one is approved and issued; one
/// left approved but not issued is issued (nothing else is written for its
/// approval, which is already recorded). The state it was in.
pub fn approve(
    db: &Db,
    cas: &CaSet,
    public_url: &str,
    policy: &Policy,
    id: i64,
    actor: &str,
    now: OffsetDateTime,
) -> Result<ApplicationState> {
    approve_and_issue(db, cas, public_url, policy, id, actor, now)
}

/// Move application `id` on if it is between two states a renewal must not
/// wait in: approved but not issued (always), or confirmed with the policy's
/// auto-approval. Called after a confirmation, when a client follows the
/// application, and for every such application when the RA starts, so one
/// an RA left there when it was killed moves on by itself. Whether it was
/// issued now; losing the race to another caller is not an error.
pub fn finish_pending(
    db: &Db,
    cas: &CaSet,
    public_url: &str,
    policy: &Policy,
    id: i64,
    now: OffsetDateTime,
) -> Result<bool> {
    let actor = match state_of(&db.conn(), id)? {
        ApplicationState::Approved => "recovery",
        ApplicationState::Confirmed if policy.auto_approve => "policy",
        _ => return Ok(false),
    };
    match approve_and_issue(db, cas, public_url, policy, id, actor, now) {
        Ok(_) => Ok(true),
        Err(RegistryError::WrongState(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// [`finish_pending`] for every application that needs it, at the RA's
/// start: the numbers issued now.
pub fn finish_all_pending(
    db: &Db,
    cas: &CaSet,
    public_url: &str,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<Vec<i64>> {
    let pending: Vec<i64> = {
        let conn = db.conn();
        let mut stmt =
            conn.prepare("SELECT id FROM applications WHERE state IN (?1, ?2) ORDER BY id")?;
        stmt.query_map(
            params![
                ApplicationState::Approved.token(),
                ApplicationState::Confirmed.token()
            ],
            |r| r.get(0),
        )?
        .collect::<crate::db::Result<_>>()?
    };
    let mut issued = Vec::new();
    for id in pending {
        if finish_pending(db, cas, public_url, policy, id, now)? {
            issued.push(id);
        }
    }
    Ok(issued)
}

/// The state of application `id`, whoever's it is. Inside a transaction
/// the row stays locked until it ends (PostgreSQL's `FOR UPDATE`; SQLite's
/// transactions hold the write lock anyway), so a decision on the state
/// read is still right at the commit, also against another node.
fn state_of(conn: &Conn, id: i64) -> Result<ApplicationState> {
    let sql = format!(
        "SELECT state FROM applications WHERE id = ?1{}",
        conn.for_update()
    );
    conn.query_row(&sql, [id], |r| {
        db::token_column(r, 0, ApplicationState::from_token)
    })
    .optional()?
    .ok_or(RegistryError::NoSuchApplication(id))
}

/// Move application `id` to `state` as of `now`.
pub fn set_state(conn: &Conn, id: i64, state: ApplicationState, now: OffsetDateTime) -> Result<()> {
    conn.execute(
        "UPDATE applications SET state = ?1, updated_at = ?2 WHERE id = ?3",
        params![state.token(), unix(now), id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::CaKind;

    fn signer(storage: Option<StorageKind>) -> CertificateRecord {
        CertificateRecord {
            id: 1,
            serial: "01".into(),
            iin: "900101300017".into(),
            ca: CaKind::Rsa,
            purpose: "sign".into(),
            revoked_at: None,
            replaced_at: None,
            der: Vec::new(),
            storage,
        }
    }

    fn attestation(level: &str) -> KeyAttestation {
        KeyAttestation {
            purpose: Purpose::Sign,
            level: level.into(),
            attestation_version: None,
            keymint_version: None,
            verified_boot: None,
            device_locked: None,
        }
    }

    #[test]
    fn a_claim_is_established_only_with_its_backing() {
        use StorageKind::*;
        let policy = Policy::default();
        let trusting = Policy {
            trust_token_claims: true,
            ..Policy::default()
        };
        let card = signer(Some(IdCard));
        let file = signer(Some(File));
        let unknown = signer(None);
        let tee = [attestation("tee"), attestation("strongbox")];
        let half = [attestation("tee"), attestation("none")];
        for (claimed, attested, signer, policy, expected) in [
            (File, &[][..], &file, &policy, File),
            (File, &[][..], &card, &policy, File),
            (IdCard, &[][..], &card, &policy, IdCard),
            (IdCard, &[][..], &file, &policy, File),
            (IdCard, &[][..], &unknown, &policy, File),
            (PlatformKeystore, &tee[..], &file, &policy, PlatformKeystore),
            (PlatformKeystore, &half[..], &file, &policy, File),
            (PlatformKeystore, &[][..], &file, &policy, File),
            (Token, &[][..], &file, &policy, File),
            (Token, &[][..], &file, &trusting, Token),
        ] {
            assert_eq!(
                establish_storage(claimed, attested, signer, policy),
                expected,
                "{claimed:?} signed by {:?}",
                signer.storage
            );
        }
        assert_eq!(policy.validity_days.for_storage(IdCard), 1095);
        assert_eq!(policy.validity_days.for_storage(File), 365);
    }
}
