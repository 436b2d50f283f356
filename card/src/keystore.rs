//! The card as a keystore: its keys as [`Signer`]s, which slot holds which
//! certified key, and where a new key may go.
//!
//! The rules for new keys come from the kz-idcard, where GENERATE erases a
//! slot: a new key only goes into a slot that holds no current key and no
//! key of a still-valid certificate of the citizen (docs/card-profile.md).

use std::sync::{Arc, Mutex};

use spki::SubjectPublicKeyInfoOwned;
use time::OffsetDateTime;

use super::keys;
use super::profile::{CardAlgorithm, Dialect};
use super::session::{CardError, CardSession, Role};
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{DigestAlgorithm, SignError, SignatureAlgorithm, Signer};
use qoltanba_pki::oid;

/// One card session shared by the keys on it (the card does one thing at a time).
pub type SharedSession = Arc<Mutex<CardSession>>;

/// A key on the card, usable wherever qoltanba signs.
pub struct CardKey {
    session: SharedSession,
    slot: u8,
    algorithm: CardAlgorithm,
    /// INTERNAL AUTHENTICATE (login keys) instead of PSO:CDS.
    for_login: bool,
    public_key: SubjectPublicKeyInfoOwned,
}

impl std::fmt::Debug for CardKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardKey(slot {:02X}, {})", self.slot, self.algorithm)
    }
}

impl CardKey {
    /// The key in `slot`; `for_login` chooses INTERNAL AUTHENTICATE.
    pub fn open(session: &SharedSession, slot: u8, for_login: bool) -> Result<Self, CardError> {
        let mut s = lock(session);
        let public_key = s.public_key(slot)?.ok_or(CardError::EmptySlot(slot))?;
        drop(s);
        Self::with_public_key(session, slot, for_login, public_key)
    }

    /// A key whose public key is already known (just generated or read).
    pub fn with_public_key(
        session: &SharedSession,
        slot: u8,
        for_login: bool,
        public_key: SubjectPublicKeyInfoOwned,
    ) -> Result<Self, CardError> {
        let algorithm = match public_key.algorithm.oid {
            oid::RSA_ENCRYPTION => CardAlgorithm::Rsa2048,
            oid::EC_PUBLIC_KEY => CardAlgorithm::P256,
            other => {
                return Err(CardError::Unsupported(format!(
                    "card keys of algorithm {other}"
                )));
            }
        };
        Ok(Self {
            session: session.clone(),
            slot,
            algorithm,
            for_login,
            public_key,
        })
    }

    pub fn slot(&self) -> u8 {
        self.slot
    }

    pub fn card_algorithm(&self) -> CardAlgorithm {
        self.algorithm
    }
}

impl Signer for CardKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        match self.algorithm {
            CardAlgorithm::Rsa2048 => SignatureAlgorithm::RsaPkcs1Sha256,
            CardAlgorithm::P256 => SignatureAlgorithm::EcdsaP256Sha256,
        }
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let digest = DigestAlgorithm::Sha256.digest(message);
        let input = keys::signature_input(self.algorithm, oid::SHA256, &digest);
        let raw = lock(&self.session)
            .sign_raw(self.slot, self.algorithm, self.for_login, &input)
            .map_err(|e| {
                if e.is_tag_lost() {
                    SignError::DeviceLost(e.to_string())
                } else {
                    SignError::Device(e.to_string())
                }
            })?;
        keys::signature_output(self.algorithm, &raw).map_err(|e| SignError::Device(e.to_string()))
    }
}

fn lock(session: &SharedSession) -> std::sync::MutexGuard<'_, CardSession> {
    // A panic while holding the lock cannot leave the card half-talked-to in
    // a way the next command would misread: every command is self-contained.
    session.lock().unwrap_or_else(|p| p.into_inner())
}

/// A slot holding a certified key.
#[derive(Clone, Debug)]
pub struct CertifiedSlot {
    pub slot: u8,
    pub certificate: KzCertificate,
    /// Roles the card gives the slot (empty where the card does not say).
    pub roles: Vec<Role>,
}

/// The card's certified keys. Reference cards say which slots are current
/// and hold the certificates; for the kz-idcard each slot's public key is
/// matched against `known` (the citizen's certificates from files, the
/// local store or the RA).
pub fn certified_slots(
    session: &SharedSession,
    known: &[KzCertificate],
) -> Result<Vec<CertifiedSlot>, CardError> {
    certified(session, known, None)
}

/// [`certified_slots`] of one slot (a resumed renewal needs one key, and
/// reads no other certificate file).
pub fn certified_slot(
    session: &SharedSession,
    known: &[KzCertificate],
    slot: u8,
) -> Result<Vec<CertifiedSlot>, CardError> {
    certified(session, known, Some(slot))
}

fn certified(
    session: &SharedSession,
    known: &[KzCertificate],
    only: Option<u8>,
) -> Result<Vec<CertifiedSlot>, CardError> {
    let mut s = lock(session);
    let profile = s.profile();
    let wanted = |slot: u8| only.is_none_or(|o| o == slot);
    let mut out = Vec::new();
    match profile.dialect {
        Dialect::Reference => {
            let status = s.status()?;
            // Only files the card calls complete for their slot's key are
            // read: an empty or half-written file certifies nothing.
            for slot in status
                .slots
                .iter()
                .filter(|x| x.has_certificate && wanted(x.slot))
            {
                let mut roles = Vec::new();
                if status.auth_slot == Some(slot.slot) {
                    roles.push(Role::Auth);
                }
                if status.sign_slot == Some(slot.slot) {
                    roles.push(Role::Sign);
                }
                let Some(der) = s.read_certificate(slot.slot)? else {
                    continue;
                };
                let certificate =
                    KzCertificate::from_der(&der).map_err(|e| CardError::CertificateFile {
                        slot: slot.slot,
                        detail: format!("not a certificate: {e}"),
                    })?;
                out.push(CertifiedSlot {
                    slot: slot.slot,
                    certificate,
                    roles,
                });
            }
        }
        Dialect::KzIdCard => {
            for &slot in profile.slots.iter().filter(|x| wanted(**x)) {
                let key = match s.public_key(slot) {
                    Ok(Some(k)) => k,
                    Ok(None) | Err(CardError::NoSuchSlot(_)) => continue,
                    Err(e) => return Err(e),
                };
                for cert in known.iter().filter(|c| same_key(c.public_key(), &key)) {
                    out.push(CertifiedSlot {
                        slot,
                        certificate: cert.clone(),
                        roles: roles_of(cert.purpose()),
                    });
                }
            }
        }
    }
    Ok(out)
}

fn roles_of(purpose: Purpose) -> Vec<Role> {
    let mut roles = Vec::new();
    if purpose.can_auth() {
        roles.push(Role::Auth);
    }
    if purpose.can_sign() {
        roles.push(Role::Sign);
    }
    roles
}

fn same_key(a: &SubjectPublicKeyInfoOwned, b: &SubjectPublicKeyInfoOwned) -> bool {
    match (keys::rsa_modulus(a), keys::rsa_modulus(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// A slot a new key may go into, or why there is none: never a slot with
/// a role, never one in `taken` (already chosen in this renewal), never one
/// whose key belongs to a certificate in `citizen` valid at `now`. Empty
/// slots first.
pub fn free_slot(
    session: &SharedSession,
    taken: &[u8],
    citizen: &[KzCertificate],
    now: OffsetDateTime,
) -> Result<u8, CardError> {
    let mut s = lock(session);
    let profile = s.profile();
    let (mut empty, mut reusable) = (Vec::new(), Vec::new());
    let status = match profile.dialect {
        Dialect::Reference => Some(s.status()?),
        Dialect::KzIdCard => None,
    };
    for &slot in profile.slots.iter().filter(|x| !taken.contains(x)) {
        if let Some(st) = &status
            && (st.auth_slot == Some(slot) || st.sign_slot == Some(slot))
        {
            continue;
        }
        // The reference card's status says which slots are empty.
        let known_empty = status.as_ref().is_some_and(|st| {
            st.slots
                .iter()
                .any(|x| x.slot == slot && x.algorithm.is_none())
        });
        let key = if known_empty {
            None
        } else {
            match s.public_key(slot) {
                Ok(k) => k,
                Err(CardError::NoSuchSlot(_)) => continue,
                Err(e) => return Err(e),
            }
        };
        match key {
            None => empty.push(slot),
            Some(key) => {
                let in_use = citizen.iter().any(|c| {
                    same_key(c.public_key(), &key) && c.not_before() <= now && now <= c.not_after()
                });
                if !in_use {
                    reusable.push(slot);
                }
            }
        }
    }
    empty.into_iter().chain(reusable).next().ok_or_else(|| {
        CardError::Unsupported(
            "another key: every key slot holds a current key or a key with a valid certificate"
                .into(),
        )
    })
}

/// Generate a new key in a free slot ([`free_slot`]) and return the slot and
/// its public key. `confirm` is asked first with the slot (GENERATE on the
/// kz-idcard erases it); `false` stops with nothing changed. A slot that
/// turns out not to exist (a 2-slot kz-idcard reads its absent slots like
/// empty ones; GENERATE there answers 6900 and changes nothing) is skipped.
pub fn generate_in_free_slot(
    session: &SharedSession,
    taken: &[u8],
    citizen: &[KzCertificate],
    now: OffsetDateTime,
    algorithm: CardAlgorithm,
    confirm: &mut dyn FnMut(u8) -> bool,
) -> Result<(u8, SubjectPublicKeyInfoOwned), CardError> {
    let mut skipped: Vec<u8> = taken.to_vec();
    loop {
        let slot = free_slot(session, &skipped, citizen, now)?;
        if !confirm(slot) {
            return Err(CardError::NotConfirmed(slot));
        }
        match lock(session).generate(slot, algorithm) {
            Ok(key) => return Ok((slot, key)),
            Err(CardError::NoSuchSlot(_)) => skipped.push(slot),
            Err(e) => return Err(e),
        }
    }
}

/// The card's algorithm for a new key like the citizen's current one.
pub fn algorithm_for(spki: &SubjectPublicKeyInfoOwned) -> Option<CardAlgorithm> {
    match qoltanba_pki::crypto::PublicKeyAlgorithm::of(spki) {
        qoltanba_pki::crypto::PublicKeyAlgorithm::Rsa { .. } => Some(CardAlgorithm::Rsa2048),
        qoltanba_pki::crypto::PublicKeyAlgorithm::EcP256 => Some(CardAlgorithm::P256),
        _ => None,
    }
}
