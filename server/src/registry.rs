//! The RA's records and decisions, independent of HTTP: enrolling a citizen,
//! recording and issuing certificates, the life of an application, revocation.
//! The API (`api`) and the operator commands (`main.rs`) both call these.

use qoltanba_pki::cert::{KzCertificate, Purpose, TrustAnchors, validate};
use qoltanba_pki::crypto::{KeySpec, PublicKeyAlgorithm, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{
    KeyFile, KeyFileKind, NewPassword, Profile, file_name, key_id, save_new,
};
use qoltanba_pki::reissue::{VerifiedApplication, build_csr, individual_subject, verify_csr};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::ca::crl::{RevocationReason, RevokedEntry};
use crate::ca::{CaError, CaKind, CaSet, purpose_name};
use crate::config::Policy;
use crate::db::{self, Db};

/// Why the RA refused something. Each has a stable `code` for problem
/// details and clients.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("no citizen with IIN {0} is registered; enrol at a registration centre first")]
    UnknownCitizen(String),
    #[error("the certificate was not issued by this RA; sign with a key it issued")]
    UnknownCertificate,
    #[error("the certificate is revoked; use a valid key or re-enrol at a registration centre")]
    Revoked,
    #[error("the certificate is not trusted: {0}")]
    Untrusted(String),
    #[error("this key may not {0}; use your {1} key")]
    WrongKey(&'static str, &'static str),
    #[error("the certificate belongs to another person than the one logged in")]
    OtherPerson,
    #[error("{0} keys are not accepted by this RA; request one of: {1}")]
    AlgorithmRefused(String, String),
    #[error("RSA keys must have at least {0} bits")]
    KeyTooSmall(u32),
    #[error("the attestation of the new {purpose} key was refused: {reason}")]
    AttestationFailed { purpose: String, reason: String },
    #[error(
        "this RA accepts only keys made in a phone's secure keystore with its attestation; the new {0} key has none"
    )]
    AttestationRequired(String),
    #[error("no application {0} of yours exists")]
    NoSuchApplication(i64),
    #[error("the application is {0}, so this cannot be done now")]
    WrongState(String),
    #[error("the one-time code is wrong; {0} tries left")]
    WrongCode(u32),
    #[error("the application is locked after too many wrong codes; submit a new application")]
    Locked,
    #[error("the one-time code has expired; submit the application again for a new code")]
    CodeExpired,
    #[error(
        "no phone number is on record for the one-time code; update it at a registration centre"
    )]
    NoPhone,
    #[error("no certificate {0} of yours exists")]
    NoSuchCertificate(String),
    #[error("the certificate {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error(transparent)]
    Ca(#[from] CaError),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("the key file could not be written: {0}")]
    KeyFile(String),
}

impl RegistryError {
    /// The stable problem code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownCitizen(_) => "unknown-citizen",
            Self::UnknownCertificate => "unknown-certificate",
            Self::Revoked => "certificate-revoked",
            Self::Untrusted(_) => "certificate-untrusted",
            Self::WrongKey(..) => "wrong-key",
            Self::OtherPerson => "other-person",
            Self::AlgorithmRefused(..) => "algorithm-refused",
            Self::KeyTooSmall(_) => "key-too-small",
            Self::AttestationFailed { .. } => "attestation-failed",
            Self::AttestationRequired(_) => "attestation-required",
            Self::NoSuchApplication(_) => "no-such-application",
            Self::WrongState(_) => "wrong-state",
            Self::WrongCode(_) => "wrong-code",
            Self::Locked => "application-locked",
            Self::CodeExpired => "code-expired",
            Self::NoPhone => "no-phone",
            Self::NoSuchCertificate(_) => "no-such-certificate",
            Self::AlreadyRevoked(_) => "already-revoked",
            Self::Invalid(_) => "invalid-input",
            Self::Ca(_) | Self::Db(_) | Self::KeyFile(_) => "internal",
        }
    }
}

pub type Result<T> = std::result::Result<T, RegistryError>;

pub fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

pub fn from_unix(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Upper-case hex of a certificate's serial, as the database keys it.
pub fn serial_hex(cert: &KzCertificate) -> String {
    hex::encode_upper(cert.inner().tbs_certificate().serial_number().as_bytes())
}

/// Store an issued certificate.
pub fn record_certificate(
    conn: &Connection,
    iin: &str,
    ca: CaKind,
    purpose: Purpose,
    cert: &KzCertificate,
    application_id: Option<i64>,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO certificates (serial, iin, ca, purpose, algorithm, not_before, not_after, der, application_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            serial_hex(cert),
            iin,
            ca.name(),
            purpose_name(purpose),
            cert.key_algorithm().name(),
            unix(cert.not_before()),
            unix(cert.not_after()),
            cert.der(),
            application_id,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// What `enroll` was asked to do.
pub struct Enrolment<'a> {
    pub iin: &'a str,
    pub surname: &'a str,
    pub name: &'a str,
    pub patronymic: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub algorithm: KeySpec,
    pub valid_from: OffsetDateTime,
    pub valid_days: u32,
}

/// One key file `enroll` wrote.
#[derive(Debug, Serialize)]
pub struct EnrolledKey {
    pub purpose: Purpose,
    pub file: std::path::PathBuf,
    pub serial: String,
    pub not_after: String,
}

/// The registration centre's part: record the citizen and issue the first
/// certificates into NCA-style key files in `out` (GOST: one AUTH+SIGN key;
/// RSA and P-256: an AUTH and a SIGN key).
pub fn enroll(
    db: &Db,
    cas: &CaSet,
    public_url: &str,
    who: &Enrolment<'_>,
    password: &NewPassword,
    out: &std::path::Path,
    now: OffsetDateTime,
) -> Result<Vec<EnrolledKey>> {
    let purposes: &[Purpose] = match who.algorithm {
        KeySpec::Gost512 => &[Purpose::Both],
        _ => &[Purpose::Auth, Purpose::Sign],
    };
    // Keys and certificates first, in memory; then the database in one
    // transaction; then the files. A failure leaves no half-enrolled citizen.
    enrolment_subject(who)?;
    let mut keys = Vec::new();
    for purpose in purposes {
        let key = generate(who.algorithm).map_err(|e| RegistryError::Invalid(e.to_string()))?;
        keys.push((*purpose, key));
    }
    let signers: Vec<(Purpose, &dyn Signer)> =
        keys.iter().map(|(p, k)| (*p, k as &dyn Signer)).collect();
    let issued = enroll_keys(db, cas, public_url, who, &signers, now)?;
    let mut written = Vec::new();
    for ((purpose, key), (ca, cert)) in keys.iter().zip(issued) {
        let file = write_key_file(key, &cert, cas, ca, *purpose, password, out)?;
        written.push(EnrolledKey {
            purpose: *purpose,
            file,
            serial: serial_hex(&cert),
            not_after: cert
                .not_after()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        });
    }
    Ok(written)
}

/// The certificate subject for `who`, after checking the IIN; run before
/// any key is made, so a typo costs nothing.
fn enrolment_subject(who: &Enrolment<'_>) -> Result<x509_cert::name::Name> {
    let iin = qoltanba_pki::cert::Iin::new(who.iin);
    if who.iin.len() != 12 || !who.iin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RegistryError::Invalid(format!(
            "the IIN must be 12 digits, not '{}'",
            who.iin
        )));
    }
    if let Some(problem) = iin.problem() {
        return Err(RegistryError::Invalid(format!(
            "{} is not a valid IIN: {problem}",
            who.iin
        )));
    }
    individual_subject(who.surname, who.name, who.patronymic, who.iin, who.email)
        .map_err(|e| RegistryError::Invalid(e.to_string()))
}

/// Record the citizen and certify keys that live elsewhere (an ID card
/// personalised at the centre): each key signs its own CSR, so the RA sees
/// proof of possession, as for keys it generates itself. `who.algorithm` is
/// ignored; the keys' own algorithms count.
pub fn enroll_keys(
    db: &Db,
    cas: &CaSet,
    public_url: &str,
    who: &Enrolment<'_>,
    keys: &[(Purpose, &dyn Signer)],
    now: OffsetDateTime,
) -> Result<Vec<(CaKind, KzCertificate)>> {
    let subject = enrolment_subject(who)?;
    let mut issued = Vec::new();
    for (purpose, key) in keys {
        let csr = build_csr(*key, &subject, *purpose)
            .and_then(|der| verify_csr(&der))
            .map_err(|e| RegistryError::Invalid(e.to_string()))?;
        let (ca, cert) = cas.issue(&csr, who.valid_from, who.valid_days, public_url)?;
        issued.push((*purpose, ca, cert));
    }
    {
        let mut conn = db.lock();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO citizens (iin, surname, name, patronymic, email, phone, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(iin) DO UPDATE SET surname = ?2, name = ?3, patronymic = ?4,
                 email = COALESCE(?5, email), phone = COALESCE(?6, phone)",
            params![
                who.iin,
                who.surname,
                who.name,
                who.patronymic,
                who.email,
                who.phone,
                unix(now)
            ],
        )?;
        for (purpose, ca, cert) in &issued {
            record_certificate(&tx, who.iin, *ca, *purpose, cert, None)?;
            db::audit(
                &tx,
                unix(now),
                "operator",
                "enrol",
                who.iin,
                Some(&format!(
                    "issued {} {}",
                    purpose_name(*purpose),
                    serial_hex(cert)
                )),
            )?;
        }
        tx.commit()?;
    }
    Ok(issued.into_iter().map(|(_, ca, cert)| (ca, cert)).collect())
}

fn write_key_file(
    key: &SoftwareKey,
    cert: &KzCertificate,
    cas: &CaSet,
    ca: CaKind,
    purpose: Purpose,
    password: &NewPassword,
    out: &std::path::Path,
) -> Result<std::path::PathBuf> {
    let id = key_id(key.public_key());
    let kind = KeyFileKind::for_key(&key.key_algorithm(), purpose)
        .ok_or_else(|| RegistryError::KeyFile("no key file kind for this key".into()))?;
    let mut file = KeyFile::new(key.pkcs8_der(), Some(cert.der().to_vec()), &id);
    file.set_chain(
        cas.chain(ca)
            .into_iter()
            .map(|c| c.der().to_vec())
            .collect(),
    );
    let bytes = file
        .to_bytes(Profile::Nca, password)
        .map_err(|e| RegistryError::KeyFile(e.to_string()))?;
    std::fs::create_dir_all(out).map_err(|e| RegistryError::KeyFile(e.to_string()))?;
    save_new(out, &file_name(kind, &id), &bytes).map_err(|e| RegistryError::KeyFile(e.to_string()))
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
}

pub fn certificate_by_serial(conn: &Connection, serial: &str) -> Result<Option<CertificateRecord>> {
    Ok(conn
        .query_row(
            "SELECT id, serial, iin, ca, purpose, revoked_at, replaced_at, der FROM certificates WHERE serial = ?1",
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
    let record = certificate_by_serial(&db.lock(), &serial_hex(cert))?
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

/// A certificate as the citizen's list shows it.
#[derive(Debug, Serialize)]
pub struct CertificateListing {
    pub serial: String,
    pub purpose: String,
    pub algorithm: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    /// valid | expiring | expired | revoked
    pub status: &'static str,
    pub days_left: i64,
    pub replaced: bool,
    pub certificate: String,
}

pub fn list_certificates(
    db: &Db,
    iin: &str,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<Vec<CertificateListing>> {
    let conn = db.lock();
    let mut stmt = conn.prepare(
        "SELECT serial, purpose, algorithm, ca, not_before, not_after, revoked_at, replaced_at, der
         FROM certificates WHERE iin = ?1 ORDER BY not_before DESC, id DESC",
    )?;
    let rows = stmt.query_map([iin], |r| {
        let revoked: Option<i64> = r.get(6)?;
        let replaced: Option<i64> = r.get(7)?;
        let not_after: i64 = r.get(5)?;
        let days_left = (not_after - unix(now)).div_euclid(86_400);
        let status = if revoked.is_some() {
            "revoked"
        } else if not_after <= unix(now) {
            "expired"
        } else if days_left < i64::from(policy.expiring_days) {
            "expiring"
        } else {
            "valid"
        };
        let rfc = |t: i64| {
            from_unix(t)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        let der: Vec<u8> = r.get(8)?;
        Ok(CertificateListing {
            serial: r.get(0)?,
            purpose: r.get(1)?,
            algorithm: r.get(2)?,
            issuer: r.get(3)?,
            not_before: rfc(r.get(4)?),
            not_after: rfc(not_after),
            status,
            days_left: days_left.max(0),
            replaced: replaced.is_some(),
            certificate: base64_std(&der),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

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

/// Issue the certificates of application `id` (state approved → issued),
/// marking the signer's older certificates as replaced so their expiry
/// notices stop.
pub fn issue_application(
    db: &Db,
    cas: &CaSet,
    public_url: &str,
    policy: &Policy,
    id: i64,
    actor: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let (iin, state, p7s): (String, String, Vec<u8>) = db.lock().query_row(
        "SELECT iin, state, p7s FROM applications WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if state != "approved" {
        return Err(RegistryError::WrongState(state));
    }
    let verified = qoltanba_pki::reissue::verify_application(&p7s)
        .map_err(|e| RegistryError::Invalid(e.to_string()))?;
    let mut issued = Vec::new();
    for csr in &verified.csrs {
        issued.push((
            csr.purpose,
            cas.issue(csr, now, policy.validity_days, public_url)?,
        ));
    }
    let mut conn = db.lock();
    let tx = conn.transaction()?;
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
        record_certificate(&tx, &iin, *ca, *purpose, cert, Some(id))?;
    }
    tx.execute(
        "UPDATE applications SET state = 'issued', updated_at = ?1 WHERE id = ?2",
        params![unix(now), id],
    )?;
    db::audit(
        &tx,
        unix(now),
        actor,
        "issue",
        &id.to_string(),
        Some(&format!("{} certificates", issued.len())),
    )?;
    tx.commit()?;
    Ok(())
}

/// Reject a confirmed application (the operator's decision), with a reason
/// the citizen sees.
pub fn reject(db: &Db, id: i64, reason: &str, actor: &str, now: OffsetDateTime) -> Result<()> {
    let conn = db.lock();
    let state: Option<String> = conn
        .query_row("SELECT state FROM applications WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    match state.as_deref() {
        None => return Err(RegistryError::NoSuchApplication(id)),
        Some("confirmed") | Some("awaiting_code") => {}
        Some(other) => return Err(RegistryError::WrongState(other.into())),
    }
    conn.execute(
        "UPDATE applications SET state = 'rejected', updated_at = ?1 WHERE id = ?2",
        params![unix(now), id],
    )?;
    db::audit(
        &conn,
        unix(now),
        actor,
        "reject",
        &id.to_string(),
        Some(reason),
    )?;
    Ok(())
}

/// Approve a confirmed application (operator or auto-approval), then issue.
pub fn approve(
    db: &Db,
    cas: &CaSet,
    public_url: &str,
    policy: &Policy,
    id: i64,
    actor: &str,
    now: OffsetDateTime,
) -> Result<()> {
    {
        let conn = db.lock();
        let state: Option<String> = conn
            .query_row("SELECT state FROM applications WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        match state.as_deref() {
            None => return Err(RegistryError::NoSuchApplication(id)),
            Some("confirmed") => {}
            Some(other) => return Err(RegistryError::WrongState(other.into())),
        }
        conn.execute(
            "UPDATE applications SET state = 'approved', updated_at = ?1 WHERE id = ?2",
            params![unix(now), id],
        )?;
        db::audit(&conn, unix(now), actor, "approve", &id.to_string(), None)?;
    }
    issue_application(db, cas, public_url, policy, id, actor, now)
}

/// Revoke certificate `serial` of `iin`.
pub fn revoke(
    db: &Db,
    iin: &str,
    serial: &str,
    reason: RevocationReason,
    actor: &str,
    now: OffsetDateTime,
) -> Result<CaKind> {
    let conn = db.lock();
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
    let conn = db.lock();
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
    let conn = db.lock();
    conn.execute(
        "INSERT INTO crl_numbers (ca, next) VALUES (?1, 1)
         ON CONFLICT(ca) DO UPDATE SET next = next + 1",
        [ca.name()],
    )?;
    let n: i64 = conn.query_row(
        "SELECT next FROM crl_numbers WHERE ca = ?1",
        [ca.name()],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// DER of a certificate list entry, for the download.
pub fn pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).unwrap_or_default()
}

/// One key an ID card got at enrolment.
#[cfg(feature = "card-enrolment")]
#[derive(Debug, Serialize)]
pub struct EnrolledCardKey {
    pub purpose: Purpose,
    /// The card's key reference, e.g. "81".
    pub slot: String,
    pub serial: String,
    pub not_after: String,
    /// Where the certificate was written, for cards that cannot store it.
    pub file: Option<std::path::PathBuf>,
}

#[cfg(feature = "card-enrolment")]
/// Personalise an ID card as a service centre does, through the card's own
/// commands (the session must be open with the PIN verified): generate an
/// AUTH and a SIGN key on the card, let each key sign its CSR, issue the
/// certificates, and store them on the card and make them current (the
/// reference card), or write them to `out` (the kz-idcard keeps none).
pub fn enroll_card(
    db: &Db,
    cas: &CaSet,
    public_url: &str,
    who: &Enrolment<'_>,
    session: &qoltanba_card::keystore::SharedSession,
    out: &std::path::Path,
    now: OffsetDateTime,
) -> Result<Vec<EnrolledCardKey>> {
    use qoltanba_card::keystore::{CardKey, generate_in_free_slot};
    use qoltanba_card::profile::{CardAlgorithm, Dialect};
    use qoltanba_card::session::Role;

    let card_error =
        |e: qoltanba_card::CardError| RegistryError::Invalid(format!("the ID card: {e}"));
    let algorithm = match who.algorithm {
        KeySpec::Rsa2048 => CardAlgorithm::Rsa2048,
        KeySpec::P256 => CardAlgorithm::P256,
        other => {
            return Err(RegistryError::Invalid(format!(
                "the ID card cannot hold {} keys; use rsa or p256",
                other.name()
            )));
        }
    };
    enrolment_subject(who)?;
    let dialect = session
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .profile()
        .dialect;
    let mut keys = Vec::new();
    let mut taken = Vec::new();
    for purpose in [Purpose::Auth, Purpose::Sign] {
        // The operator personalises a card the citizen hands over: no
        // question per slot.
        let (slot, spki) =
            generate_in_free_slot(session, &taken, &[], now, algorithm, &mut |_| true)
                .map_err(card_error)?;
        taken.push(slot);
        let key = CardKey::with_public_key(session, slot, purpose == Purpose::Auth, spki)
            .map_err(card_error)?;
        keys.push((purpose, key));
    }
    let signers: Vec<(Purpose, &dyn Signer)> =
        keys.iter().map(|(p, k)| (*p, k as &dyn Signer)).collect();
    let issued = enroll_keys(db, cas, public_url, who, &signers, now)?;
    let mut enrolled = Vec::new();
    let mut roles = Vec::new();
    for ((purpose, key), (_, cert)) in keys.iter().zip(&issued) {
        let file = match dialect {
            Dialect::Reference => {
                session
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .write_certificate(key.slot(), cert.der())
                    .map_err(card_error)?;
                roles.push((
                    if *purpose == Purpose::Auth {
                        Role::Auth
                    } else {
                        Role::Sign
                    },
                    key.slot(),
                ));
                None
            }
            Dialect::KzIdCard => {
                std::fs::create_dir_all(out)
                    .map_err(|e| RegistryError::Invalid(format!("{}: {e}", out.display())))?;
                let path = out.join(format!(
                    "card-slot-{:02x}-{}.cer",
                    key.slot(),
                    purpose_name(*purpose)
                ));
                qoltanba_pki::keyfile::replace(&path, cert.der())
                    .map_err(|e| RegistryError::Invalid(e.to_string()))?;
                Some(path)
            }
        };
        enrolled.push(EnrolledCardKey {
            purpose: *purpose,
            slot: format!("{:02X}", key.slot()),
            serial: serial_hex(cert),
            not_after: cert
                .not_after()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            file,
        });
    }
    if !roles.is_empty() {
        session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .activate(&roles)
            .map_err(card_error)?;
    }
    Ok(enrolled)
}
