//! What the card reports about itself: its serial, the key slots, the
//! roles and the PIN and PUK counters.

use super::CardSession;
use super::error::{CardError, byte, unexpected};
use crate::apdu::Command;
use crate::profile::{CardAlgorithm, Dialect};
use crate::tlv;

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
    /// certificates decide them.
    pub fn status(&mut self) -> Result<CardStatus, CardError> {
        match self.profile.dialect {
            Dialect::Reference => self.reference_status(),
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
                Ok(status)
            }
        }
    }

    pub(super) fn reference_status(&mut self) -> Result<CardStatus, CardError> {
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
