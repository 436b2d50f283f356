//! The ID card as the home of the current and the new keys.
//!
//! Locations are slot names (`slot-83-auth`): the flow stores them, and a
//! resumed renewal finds the same keys on the card again. New keys go into
//! slots without a current key ([`free_slot`]); on the reference card the
//! issued certificates are written next to them and all the new keys are
//! made current with one ACTIVATE KEYS for both roles, which the card
//! refuses (changing nothing) for an incomplete certificate. The kz-idcard
//! cannot store certificates, so they are written to a directory.

use std::path::{Path, PathBuf};

use qoltanba_l10n::Text;
use time::OffsetDateTime;

use super::error::RenewalError;
use super::key_home::{CardReader, CertifiedKey, HomeRecord, KeyHome};
use super::ui::RenewalUi;
use qoltanba_card::keystore::{
    CardKey, SharedSession, certified_slot, certified_slots, generate_in_free_slot,
};
use qoltanba_card::profile::{Access, CardAlgorithm, Dialect};
use qoltanba_card::session::{CardError, PinStatus, Role};
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer};
use qoltanba_pki::keyfile::replace;
use qoltanba_pki::reissue::StorageKind;

/// Keys on an ID card, reached through one open session (PIN verified).
/// Clones share the session.
#[derive(Clone)]
pub struct CardHome {
    session: SharedSession,
    /// The citizen's certificates known from outside the card (kz-idcard).
    known: Vec<KzCertificate>,
    /// Where certificates go that the card cannot store.
    export_dir: PathBuf,
    /// Slots given to new keys in this run.
    taken: Vec<u8>,
    /// How the desktop reached the card, for the renewal to remember.
    reader: Option<CardReader>,
}

impl CardHome {
    pub fn new(
        session: SharedSession,
        known: Vec<KzCertificate>,
        export_dir: impl Into<PathBuf>,
    ) -> Self {
        Self {
            session,
            known,
            export_dir: export_dir.into(),
            taken: Vec::new(),
            reader: None,
        }
    }

    /// The card is in `reader` (a desktop's PC/SC reader or a simulator
    /// card): remembered with the renewal, so a resume finds it there again.
    pub fn with_reader(mut self, reader: CardReader) -> Self {
        self.reader = Some(reader);
        self
    }

    /// Refuses before anything is recorded when the card's PIN is not
    /// verified in this session (the renewal signs at once), or the card is gone.
    pub fn check_ready(&self) -> Result<(), RenewalError> {
        let status = self
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pin_status()
            .map_err(card_error)?;
        match status {
            PinStatus::Verified => Ok(()),
            _ => Err(RenewalError::PinNotVerified),
        }
    }

    /// The locations of the card's current keys, for [`super::RenewalRequest::key_files`].
    pub fn current_locations(&self) -> Result<Vec<PathBuf>, RenewalError> {
        let slots = certified_slots(&self.session, &self.known).map_err(card_error)?;
        let mut out = Vec::new();
        let dialect = self.dialect();
        for s in slots {
            // On the reference card only slots with a role are current.
            if dialect == Dialect::Reference && s.roles.is_empty() {
                continue;
            }
            let purpose = s.certificate.purpose();
            if purpose.can_auth() || purpose.can_sign() {
                out.push(slot_location(s.slot, purpose));
            }
        }
        Ok(out)
    }

    fn dialect(&self) -> Dialect {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .profile()
            .dialect
    }
}

/// `slot-83-auth`.
fn slot_location(slot: u8, purpose: Purpose) -> PathBuf {
    // A card slot always serves something: a key of no purpose is kept as "both".
    let purpose = match purpose {
        Purpose::Neither => Purpose::Both,
        other => other,
    }
    .token();
    PathBuf::from(format!("slot-{slot:02x}-{purpose}"))
}

fn parse_location(location: &Path) -> Result<(u8, Purpose), RenewalError> {
    let bad = || RenewalError::Key(format!("{} is not a card key location", location.display()));
    let text = location.to_str().ok_or_else(bad)?;
    let rest = text.strip_prefix("slot-").ok_or_else(bad)?;
    let (slot, purpose) = rest.split_once('-').ok_or_else(bad)?;
    let slot = u8::from_str_radix(slot, 16).map_err(|_| bad())?;
    let purpose = Purpose::from_token(purpose)
        .filter(|p| *p != Purpose::Neither)
        .ok_or_else(bad)?;
    Ok((slot, purpose))
}

fn card_error(e: CardError) -> RenewalError {
    if e.is_tag_lost() {
        RenewalError::CardLost(e.to_string())
    } else {
        RenewalError::Key(format!("the ID card: {e}"))
    }
}

/// Login keys sign with INTERNAL AUTHENTICATE, the others with PSO:CDS.
fn for_login(purpose: Purpose) -> bool {
    purpose == Purpose::Auth
}

impl KeyHome for CardHome {
    fn storage(&self) -> StorageKind {
        StorageKind::IdCard
    }

    fn record(&self) -> HomeRecord {
        let profile = self
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .profile();
        HomeRecord::IdCard {
            profile: profile.name.to_string(),
            needs_can: matches!(profile.access, Access::Pace { .. }),
            reader: self.reader.clone(),
        }
    }

    fn open_current(
        &mut self,
        location: &Path,
        _ui: &mut dyn RenewalUi,
    ) -> Result<(Box<dyn Signer>, KzCertificate), RenewalError> {
        let (slot, purpose) = parse_location(location)?;
        let certified = certified_slot(&self.session, &self.known, slot).map_err(card_error)?;
        let found = certified
            .into_iter()
            .find(|c| c.slot == slot && c.certificate.purpose() == purpose)
            .ok_or_else(|| {
                RenewalError::Key(format!(
                    "the ID card has no {purpose} certificate for key slot {slot:02X}"
                ))
            })?;
        let key = CardKey::with_public_key(
            &self.session,
            slot,
            for_login(purpose),
            found.certificate.public_key().clone(),
        )
        .map_err(card_error)?;
        if !self
            .known
            .iter()
            .any(|k| k.der() == found.certificate.der())
        {
            self.known.push(found.certificate.clone());
        }
        Ok((Box::new(key), found.certificate))
    }

    fn create(
        &mut self,
        spec: KeySpec,
        purpose: Purpose,
        ui: &mut dyn RenewalUi,
    ) -> Result<PathBuf, RenewalError> {
        let algorithm = match spec {
            KeySpec::Rsa2048 => CardAlgorithm::Rsa2048,
            KeySpec::P256 => CardAlgorithm::P256,
            other => {
                return Err(RenewalError::Key(format!(
                    "the ID card cannot hold {} keys",
                    other.name()
                )));
            }
        };
        let kz = self.dialect() == Dialect::KzIdCard;
        let mut confirm = |slot: u8| {
            // GENERATE on the kz-idcard erases the slot: the citizen decides.
            !kz || ui.confirm(
                &Text::new("warning-card-slot-erase")
                    .arg("purpose", purpose.to_string())
                    .arg("slot", format!("{slot:02X}")),
            )
        };
        let (slot, _) = generate_in_free_slot(
            &self.session,
            &self.taken,
            &self.known,
            OffsetDateTime::now_utc(),
            algorithm,
            &mut confirm,
        )
        .map_err(card_error)?;
        ui.progress(&Text::new("status-card-key-generated").arg("slot", format!("{slot:02X}")));
        self.taken.push(slot);
        Ok(slot_location(slot, purpose))
    }

    fn open_new(
        &mut self,
        location: &Path,
        _ui: &mut dyn RenewalUi,
    ) -> Result<Box<dyn Signer>, RenewalError> {
        let (slot, purpose) = parse_location(location)?;
        let key = CardKey::open(&self.session, slot, for_login(purpose)).map_err(card_error)?;
        Ok(Box::new(key))
    }

    fn install(
        &mut self,
        location: &Path,
        cert: &KzCertificate,
        chain: &[KzCertificate],
        ui: &mut dyn RenewalUi,
    ) -> Result<(), RenewalError> {
        let key = CertifiedKey {
            location: location.to_path_buf(),
            certificate: cert.clone(),
            chain: chain.to_vec(),
        };
        self.install_all(std::slice::from_ref(&key), ui)
    }

    /// On the reference card: every certificate into its slot's file, then
    /// one ACTIVATE KEYS for all the roles, which the card moves together
    /// or not at all. A card lost at any point holds either all the old
    /// keys as current or all the new ones; a resumed run writes again
    /// what has no role yet and activates (again: the card answers the
    /// same). The kz-idcard cannot store certificates: they go to files.
    fn install_all(
        &mut self,
        keys: &[CertifiedKey],
        ui: &mut dyn RenewalUi,
    ) -> Result<(), RenewalError> {
        let mut targets = Vec::with_capacity(keys.len());
        for key in keys {
            let (slot, purpose) = parse_location(&key.location)?;
            targets.push((slot, purpose, &key.certificate));
        }
        if self.dialect() == Dialect::KzIdCard {
            for (slot, purpose, cert) in targets {
                self.export_certificate(slot, purpose, cert, ui)?;
            }
            return Ok(());
        }
        let roles: Vec<(Role, u8)> = targets
            .iter()
            .flat_map(|(slot, purpose, _)| {
                let auth = purpose.can_auth().then_some((Role::Auth, *slot));
                let sign = purpose.can_sign().then_some((Role::Sign, *slot));
                auth.into_iter().chain(sign)
            })
            .collect();
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let status = session.status().map_err(card_error)?;
        for (slot, _, cert) in &targets {
            let current = status.auth_slot == Some(*slot) || status.sign_slot == Some(*slot);
            if current {
                // A resumed run whose ACTIVATE the card ran (its answer
                // was lost): the card keeps a current key's file as it is.
                let stored = session.read_certificate(*slot).map_err(card_error)?;
                if stored.as_deref() != Some(cert.der()) {
                    return Err(RenewalError::Key(format!(
                        "the ID card's key slot {slot:02X} is current with another certificate than the issued one"
                    )));
                }
                continue;
            }
            ui.progress(
                &Text::new("status-card-writing-certificate").arg("slot", format!("{slot:02X}")),
            );
            session
                .write_certificate(*slot, cert.der())
                .map_err(card_error)?;
        }
        if roles
            .iter()
            .all(|(role, slot)| status.role_slot(*role) == Some(*slot))
        {
            return Ok(());
        }
        session.activate(&roles).map_err(card_error)
    }
}

impl CardHome {
    /// kz-idcard: the certificate into a file of the export directory.
    fn export_certificate(
        &self,
        slot: u8,
        purpose: Purpose,
        cert: &KzCertificate,
        ui: &mut dyn RenewalUi,
    ) -> Result<(), RenewalError> {
        std::fs::create_dir_all(&self.export_dir)
            .map_err(|e| RenewalError::Key(format!("{}: {e}", self.export_dir.display())))?;
        let path = self.export_dir.join(format!(
            "card-{}.cer",
            slot_location(slot, purpose).display()
        ));
        replace(&path, cert.der()).map_err(|e| RenewalError::KeyFile(path.clone(), e))?;
        ui.progress(
            &Text::new("status-card-certificate-saved")
                .arg("slot", format!("{slot:02X}"))
                .arg("path", path.display().to_string()),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_round_trip() {
        for (slot, purpose) in [
            (0x81, Purpose::Auth),
            (0x8a, Purpose::Sign),
            (0x83, Purpose::Both),
        ] {
            assert_eq!(
                parse_location(&slot_location(slot, purpose)).unwrap(),
                (slot, purpose)
            );
        }
        assert!(parse_location(Path::new("slot-zz-auth")).is_err());
        assert!(parse_location(Path::new("AUTH_RSA256.p12")).is_err());
    }
}
