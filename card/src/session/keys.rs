//! The card's keys: their roles, reading public keys, generating a key in a
//! slot, and raw signatures (INTERNAL AUTHENTICATE, PSO:COMPUTE DIGITAL
//! SIGNATURE).

use spki::SubjectPublicKeyInfoOwned;

use super::CardSession;
use super::error::{CardError, unexpected};
use crate::apdu::{Command, Status, StatusWord};
use crate::keys::{self};
use crate::profile::{CardAlgorithm, Dialect};
use crate::tlv;

/// What a key is for on the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Login (INTERNAL AUTHENTICATE).
    Auth,
    /// Signing documents (PSO:COMPUTE DIGITAL SIGNATURE).
    Sign,
}

impl Role {
    pub(super) fn reference_id(self) -> u8 {
        match self {
            Role::Auth => 0x01,
            Role::Sign => 0x02,
        }
    }
}

impl CardSession {
    // ---- keys --------------------------------------------------------------

    /// The public key in `slot`, or `None` when the slot is empty. Read
    /// once per session (a key this session generated is known from
    /// GENERATE's answer).
    pub fn public_key(&mut self, slot: u8) -> Result<Option<SubjectPublicKeyInfoOwned>, CardError> {
        self.check_slot(slot)?;
        if let Some(known) = self.known.public_keys.get(&slot) {
            return Ok(known.clone());
        }
        let key = self.read_public_key(slot)?;
        self.known.public_keys.insert(slot, key.clone());
        Ok(key)
    }

    fn read_public_key(
        &mut self,
        slot: u8,
    ) -> Result<Option<SubjectPublicKeyInfoOwned>, CardError> {
        match self.profile.dialect {
            Dialect::Reference => {
                let data = tlv::encode(0xAC, &tlv::encode(0x84, &[slot]));
                let command = Command::new(0, 0x46, 0x81, 0x00)
                    .with_data(data)
                    .expect_long_response();
                let r = self.channel.transmit(&command)?;
                match r.sw.status() {
                    Status::Success => {}
                    Status::ReferencedDataNotFound => return Ok(None),
                    _ => return Err(unexpected("READ PUBLIC KEY", r.sw)),
                }
                let algorithm = self.slot_algorithm(slot)?;
                Ok(Some(keys::spki_from_template(&r.data, algorithm)?))
            }
            Dialect::KzIdCard => {
                let command = Command::new(0, 0xCB, 0x3F, 0xFF).with_data([
                    0x4D,
                    0x09,
                    0xFF,
                    0xA0,
                    slot & 0x0F,
                    0x05,
                    0x7F,
                    0x49,
                    0x02,
                    0x81,
                    0x00,
                ]);
                let r = self.channel.transmit(&command)?;
                match r.sw.status() {
                    Status::Success => {}
                    Status::FileNotFound | Status::ReferencedDataNotFound => return Ok(None),
                    Status::NotAllowed => return Err(CardError::NoSuchSlot(slot)),
                    _ => return Err(unexpected("read public key", r.sw)),
                }
                // Observed: a 15-byte header, then the 256-byte modulus.
                let modulus = r
                    .data
                    .get(15..15 + 256)
                    .ok_or_else(|| CardError::Malformed {
                        operation: "read public key",
                        detail: format!("{} bytes instead of at least 271", r.data.len()),
                    })?;
                let spki = keys::rsa_spki(modulus, &[0x01, 0x00, 0x01])?;
                Ok(Some(spki))
            }
        }
    }

    pub(super) fn slot_algorithm(&mut self, slot: u8) -> Result<CardAlgorithm, CardError> {
        match self.profile.dialect {
            Dialect::KzIdCard => Ok(CardAlgorithm::Rsa2048),
            Dialect::Reference => self
                .status()?
                .slots
                .iter()
                .find(|s| s.slot == slot)
                .and_then(|s| s.algorithm)
                .ok_or(CardError::EmptySlot(slot)),
        }
    }

    pub(super) fn check_slot(&self, slot: u8) -> Result<(), CardError> {
        if self.profile.slots.contains(&slot) {
            Ok(())
        } else {
            Err(CardError::NoSuchSlot(slot))
        }
    }

    /// Generate a new key pair in `slot` and return its public key. The card
    /// refuses slots that hold a current key (reference profile); for the
    /// kz-idcard, which would erase anything, the caller must have checked
    /// the slot (see `keystore::card`).
    pub fn generate(
        &mut self,
        slot: u8,
        algorithm: CardAlgorithm,
    ) -> Result<SubjectPublicKeyInfoOwned, CardError> {
        self.check_slot(slot)?;
        if !self.profile.algorithms.contains(&algorithm) {
            return Err(CardError::Unsupported(format!("{algorithm} keys")));
        }
        self.selected_key = None;
        match self.profile.dialect {
            Dialect::Reference => {
                let data = tlv::encode(
                    0xAC,
                    &[
                        tlv::encode(0x80, &[algorithm.reference_id()]),
                        tlv::encode(0x84, &[slot]),
                    ]
                    .concat(),
                );
                let command = Command::new(0, 0x46, 0x00, 0x00)
                    .with_data(data)
                    .expect_long_response();
                let generated = self
                    .channel
                    .transmit(&command)
                    .map_err(CardError::from)
                    .and_then(|r| {
                        self.key_answer(r.sw, slot, "GENERATE ASYMMETRIC KEY PAIR")?;
                        Ok(keys::spki_from_template(&r.data, algorithm)?)
                    });
                // On success the answer says what changed; otherwise the
                // slot may or may not hold a new key.
                match &generated {
                    Ok(key) => self.known.generated(slot, algorithm, key),
                    Err(_) => self.known.forget_slot(slot),
                }
                generated
            }
            Dialect::KzIdCard => {
                let command =
                    Command::new(0, 0x46, 0x02, 0x00).with_data([0xA4, 0x03, 0x84, 0x01, slot]);
                // Whatever the answer, the slot's old key may be gone.
                self.known.forget_slot(slot);
                let r = self.channel.transmit(&command)?;
                self.key_answer(r.sw, slot, "GENERATE")?;
                let key = self.public_key(slot)?.ok_or(CardError::EmptySlot(slot))?;
                self.known.generated(slot, algorithm, &key);
                Ok(key)
            }
        }
    }

    pub(super) fn key_answer(
        &self,
        sw: StatusWord,
        slot: u8,
        operation: &'static str,
    ) -> Result<(), CardError> {
        match sw.status() {
            Status::Success => Ok(()),
            Status::SecurityStatusNotSatisfied => Err(CardError::PinNeeded),
            Status::ConditionsNotSatisfied if self.profile.dialect == Dialect::Reference => {
                Err(CardError::SlotInUse(slot))
            }
            Status::NotAllowed => Err(CardError::NoSuchSlot(slot)),
            Status::ReferencedDataNotFound | Status::FileNotFound => {
                Err(CardError::EmptySlot(slot))
            }
            _ => Err(unexpected(operation, sw)),
        }
    }

    /// Sign `input` (a DigestInfo for RSA, the hash for ECDSA) with the key in
    /// `slot`; `for_login` picks INTERNAL AUTHENTICATE over PSO:CDS. Returns
    /// the card's raw signature (RSA block, or r ‖ s).
    pub fn sign_raw(
        &mut self,
        slot: u8,
        algorithm: CardAlgorithm,
        for_login: bool,
        input: &[u8],
    ) -> Result<Vec<u8>, CardError> {
        self.check_slot(slot)?;
        let selection = (slot, algorithm, for_login);
        if self.selected_key != Some(selection) {
            let command = match self.profile.dialect {
                Dialect::Reference => {
                    let p2 = if for_login { 0xA4 } else { 0xB6 };
                    Command::new(0, 0x22, 0x41, p2).with_data(
                        [
                            tlv::encode(0x80, &[algorithm.reference_id()]),
                            tlv::encode(0x84, &[slot]),
                        ]
                        .concat(),
                    )
                }
                Dialect::KzIdCard => Command::new(0, 0x22, 0x41, 0xA4)
                    .with_data([0x95, 0x01, 0x40, 0x84, 0x01, slot, 0x80, 0x01, 0x02]),
            };
            let r = self.channel.transmit(&command)?;
            self.key_answer(r.sw, slot, "MSE:SET")?;
            self.selected_key = Some(selection);
        }
        let command = match (self.profile.dialect, for_login) {
            (Dialect::Reference, true) => Command::new(0, 0x88, 0x00, 0x00),
            (Dialect::Reference, false) => Command::new(0, 0x2A, 0x9E, 0x9A),
            (Dialect::KzIdCard, _) => Command::new(0, 0x88, 0x02, 0x00),
        }
        .with_data(input);
        let command = if self.profile.extended_length {
            command.expect_long_response()
        } else {
            command
        };
        let r = self.channel.transmit(&command)?;
        if r.sw.status() == Status::ConditionsNotSatisfied {
            // The card lost the MSE:SET (a reset between commands).
            self.selected_key = None;
        }
        self.key_answer(
            r.sw,
            slot,
            if for_login {
                "INTERNAL AUTHENTICATE"
            } else {
                "PSO:COMPUTE DIGITAL SIGNATURE"
            },
        )?;
        Ok(r.data)
    }
}
