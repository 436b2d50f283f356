//! What the card reports about itself (its serial, the key slots, the
//! roles and the PIN and PUK counters), and what the session has learnt of
//! the card ([`Known`]), so that nothing is read twice.

use std::collections::BTreeMap;

use spki::SubjectPublicKeyInfoOwned;

use super::CardSession;
use super::error::{CardError, byte, unexpected};
use super::keys::Role;
use crate::apdu::{Command, Status, StatusWord};
use crate::profile::{CardAlgorithm, CardProfile, Dialect};
use crate::tlv;
use qoltanba_pki::cert::KzCertificate;

/// One key slot as the card reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotStatus {
    pub slot: u8,
    /// `None` for an empty slot.
    pub algorithm: Option<CardAlgorithm>,
    /// Whether the slot's certificate file holds a complete certificate.
    pub has_certificate: bool,
}

/// The card's state, as far as the profile lets the session learn it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CardStatus {
    pub serial: Option<Vec<u8>>,
    pub slots: Vec<SlotStatus>,
    pub auth_slot: Option<u8>,
    pub sign_slot: Option<u8>,
    pub pin_tries: Option<u8>,
    pub puk_tries: Option<u8>,
}

impl CardSession {
    // ---- card status -------------------------------------------------------

    /// Slots, roles and counters. For cards that do not report roles the
    /// roles stay `None`; [`CardSession::public_key`] and the caller's
    /// certificates decide them. Read from the card once per session and
    /// kept current from the answers to this session's own commands
    /// ([`Known`]).
    pub fn status(&mut self) -> Result<CardStatus, CardError> {
        if let Some(status) = &self.known.status {
            return Ok(status.clone());
        }
        let status = match self.profile.dialect {
            Dialect::Reference => self.read_reference_status()?,
            Dialect::KzIdCard => {
                let mut status = CardStatus::default();
                for &slot in self.profile.slots {
                    let key = self.public_key(slot);
                    let algorithm = match key {
                        Ok(Some(_)) => Some(CardAlgorithm::Rsa2048),
                        Ok(None) | Err(CardError::NoSuchSlot(_)) => None,
                        Err(e) => return Err(e),
                    };
                    status.slots.push(SlotStatus {
                        slot,
                        algorithm,
                        has_certificate: false,
                    });
                }
                status
            }
        };
        self.known.status = Some(status.clone());
        Ok(status)
    }

    fn read_reference_status(&mut self) -> Result<CardStatus, CardError> {
        const OP: &str = "GET DATA card status";
        let r = self
            .channel
            .transmit(&Command::new(0, 0xCA, 0x01, 0x00).with_le(256))?;
        if !r.is_success() {
            return Err(unexpected(OP, r.sw));
        }
        let malformed = |e: tlv::TlvError| CardError::Malformed {
            operation: OP,
            detail: e.to_string(),
        };
        let (outer, _) = tlv::parse_one(&r.data).map_err(malformed)?;
        let mut status = CardStatus::default();
        for object in outer.children().map_err(malformed)? {
            match object.tag {
                0x5A => status.serial = Some(object.value.to_vec()),
                0xA0 => {
                    let kids = object.children().map_err(malformed)?;
                    let slot = byte(tlv::find(&kids, 0x84).map_err(malformed)?, OP)?;
                    let alg = byte(tlv::find(&kids, 0x80).map_err(malformed)?, OP)?;
                    let state = byte(tlv::find(&kids, 0x8A).map_err(malformed)?, OP)?;
                    status.slots.push(SlotStatus {
                        slot,
                        algorithm: CardAlgorithm::from_reference_id(alg),
                        has_certificate: state == 0x03,
                    });
                }
                0xA1 => {
                    let kids = object.children().map_err(malformed)?;
                    let role = byte(tlv::find(&kids, 0x83).map_err(malformed)?, OP)?;
                    let slot = byte(tlv::find(&kids, 0x84).map_err(malformed)?, OP)?;
                    match role {
                        0x01 => status.auth_slot = Some(slot),
                        0x02 => status.sign_slot = Some(slot),
                        _ => {}
                    }
                }
                0xA2 => {
                    let kids = object.children().map_err(malformed)?;
                    status.pin_tries = tlv::find(&kids, 0x91).ok().and_then(|v| v.first().copied());
                    status.puk_tries = tlv::find(&kids, 0x92).ok().and_then(|v| v.first().copied());
                }
                _ => {}
            }
        }
        self.note_pin_tries(status.pin_tries);
        Ok(status)
    }
}

impl CardStatus {
    /// The slot `role` points at.
    pub fn role_slot(&self, role: Role) -> Option<u8> {
        match role {
            Role::Auth => self.auth_slot,
            Role::Sign => self.sign_slot,
        }
    }

    fn slot_mut(&mut self, slot: u8) -> Option<&mut SlotStatus> {
        self.slots.iter_mut().find(|s| s.slot == slot)
    }
}

/// Which counter a PIN command's answer speaks of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Counter {
    /// VERIFY (with or without a PIN) and CHANGE REFERENCE DATA.
    Pin,
    /// RESET RETRY COUNTER: the PUK's counter; success also refills the PIN's.
    Puk,
}

/// What this session has learnt of the card, from the card's own answers.
///
/// Within one session the card changes only through the session's own
/// commands (GENERATE, UPDATE BINARY, ACTIVATE KEYS, the PIN commands), so
/// their answers keep this current instead of a new read. A command whose
/// outcome is unknown (no answer, or one the session does not expect)
/// forgets what it may have changed, and the next question reads the card
/// again. A new session (after a lost tag, say) starts knowing nothing.
#[derive(Debug, Default)]
pub(super) struct Known {
    pub(super) status: Option<CardStatus>,
    /// Certificate files: `None` for an empty one.
    pub(super) certificates: BTreeMap<u8, Option<Vec<u8>>>,
    /// Public keys: `None` for an empty slot.
    pub(super) public_keys: BTreeMap<u8, Option<SubjectPublicKeyInfoOwned>>,
}

impl Known {
    /// Everything about `slot` (and the status, which describes it) is
    /// unknown again.
    pub(super) fn forget_slot(&mut self, slot: u8) {
        self.status = None;
        self.certificates.remove(&slot);
        self.public_keys.remove(&slot);
    }

    /// GENERATE put `key` into `slot` and emptied the slot's certificate file.
    pub(super) fn generated(
        &mut self,
        slot: u8,
        algorithm: CardAlgorithm,
        key: &SubjectPublicKeyInfoOwned,
    ) {
        if let Some(s) = self.status.as_mut().and_then(|s| s.slot_mut(slot)) {
            s.algorithm = Some(algorithm);
            s.has_certificate = false;
        }
        self.certificates.insert(slot, None);
        self.public_keys.insert(slot, Some(key.clone()));
    }

    /// UPDATE BINARY wrote the certificate `der` into `slot`'s file. The
    /// status calls it complete when it is one DER certificate of the
    /// slot's key; without the key at hand the status is read again.
    pub(super) fn wrote_certificate(&mut self, slot: u8, der: &[u8]) {
        self.certificates.insert(slot, Some(der.to_vec()));
        let Some(Some(key)) = self.public_keys.get(&slot) else {
            self.status = None;
            return;
        };
        let complete = KzCertificate::from_der(der).is_ok_and(|c| c.public_key() == key);
        if let Some(s) = self.status.as_mut().and_then(|s| s.slot_mut(slot)) {
            s.has_certificate = complete;
        }
    }

    /// ACTIVATE KEYS moved every role in `roles` to its slot.
    pub(super) fn activated(&mut self, roles: &[(Role, u8)]) {
        if let Some(status) = &mut self.status {
            for (role, slot) in roles {
                match role {
                    Role::Auth => status.auth_slot = Some(*slot),
                    Role::Sign => status.sign_slot = Some(*slot),
                }
            }
        }
    }

    /// The card answered a PIN command with `sw`: the counter it speaks of
    /// is known from the answer (full after success, x after `63Cx`, none
    /// left after `6983`); any other answer forgets the counters.
    pub(super) fn counter_answer(
        &mut self,
        counter: Counter,
        sw: StatusWord,
        profile: &CardProfile,
    ) {
        let Some(status) = &mut self.status else {
            return;
        };
        // Cards that report no counters (kz-idcard) keep reporting none.
        if status.pin_tries.is_none() && status.puk_tries.is_none() {
            return;
        }
        let left = match sw.status() {
            Status::Success => None,
            Status::TriesLeft(n) => Some(n),
            Status::Blocked => Some(0),
            _ => {
                self.status = None;
                return;
            }
        };
        let full_puk = profile.puk.map(|p| p.tries);
        match (counter, left) {
            (Counter::Pin, None) => status.pin_tries = Some(profile.pin.tries),
            (Counter::Pin, Some(n)) => status.pin_tries = Some(n),
            (Counter::Puk, None) => {
                status.pin_tries = Some(profile.pin.tries);
                status.puk_tries = full_puk;
            }
            (Counter::Puk, Some(n)) => status.puk_tries = Some(n),
        }
    }
}
