//! Enrolment, the registration centre's part: record the citizen and issue
//! the first certificates, into NCA-style key files the RA generates
//! ([`enroll`]), for keys that live elsewhere ([`enroll_keys`]), or on an ID
//! card personalised through its own commands (`enroll_card`, with the
//! card-enrolment feature).

use crate::db::params;
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{
    KeyFile, KeyFileKind, NewPassword, Profile, file_name, key_id, save_new,
};
use qoltanba_pki::reissue::{StorageKind, build_csr, individual_subject, verify_csr};
use qoltanba_pki::timestamp::rfc3339;
use serde::Serialize;
use time::OffsetDateTime;

use super::{RegistryError, Result, record_certificate, unix};
use crate::ca::{CaKind, CaSet};
use crate::db::{self, Db};

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
    let issued = enroll_keys(db, cas, public_url, who, &signers, StorageKind::File, now)?;
    let mut written = Vec::new();
    for ((purpose, key), (ca, cert)) in keys.iter().zip(issued) {
        let file = write_key_file(key, &cert, cas, ca, *purpose, password, out)?;
        written.push(EnrolledKey {
            purpose: *purpose,
            file,
            serial: cert.serial_hex(),
            not_after: rfc3339(cert.not_after()),
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
/// ignored; the keys' own algorithms count. `storage` is where the centre
/// saw the keys made (recorded per certificate: a later application signed
/// with an ID card's certificate backs its claim to keep the new keys on
/// the card).
pub fn enroll_keys(
    db: &Db,
    cas: &CaSet,
    public_url: &str,
    who: &Enrolment<'_>,
    keys: &[(Purpose, &dyn Signer)],
    storage: StorageKind,
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
        let mut conn = db.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO citizens (iin, surname, name, patronymic, email, phone, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(iin) DO UPDATE SET surname = ?2, name = ?3, patronymic = ?4,
                 email = COALESCE(?5, citizens.email), phone = COALESCE(?6, citizens.phone)",
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
            record_certificate(&tx, who.iin, *ca, *purpose, cert, None, storage)?;
            db::audit(
                &tx,
                unix(now),
                "operator",
                "enrol",
                who.iin,
                Some(&format!("issued {} {}", purpose.token(), cert.serial_hex())),
            )?;
        }
        tx.commit()?;
        for (_, ca, _) in &issued {
            crate::metrics::certificate_issued(ca.name());
        }
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
    let issued = enroll_keys(db, cas, public_url, who, &signers, StorageKind::IdCard, now)?;
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
                    purpose.token()
                ));
                qoltanba_pki::keyfile::replace(&path, cert.der())
                    .map_err(|e| RegistryError::Invalid(e.to_string()))?;
                Some(path)
            }
        };
        enrolled.push(EnrolledCardKey {
            purpose: *purpose,
            slot: format!("{:02X}", key.slot()),
            serial: cert.serial_hex(),
            not_after: rfc3339(cert.not_after()),
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
