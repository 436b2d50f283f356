//! PIN management: the PIN's state, verifying, changing, and unblocking it
//! with the PUK.

use super::CardSession;
use super::error::{CardError, digits_range, unexpected};
use super::status::Counter;
use crate::apdu::{Command, Status, StatusWord};
use crate::profile::Dialect;
use crate::secret::{Pin, Puk};

/// The PIN's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "tries_left")]
pub enum PinStatus {
    /// Verified in this session.
    Verified,
    /// Not verified yet; tries left.
    TriesLeft(u8),
    Blocked,
    /// The card does not say.
    Unknown,
}

impl CardSession {
    // ---- PIN management ----------------------------------------------------

    /// The PIN's state without spending a try.
    pub fn pin_status(&mut self) -> Result<PinStatus, CardError> {
        let command = Command::new(0, 0x20, 0x00, self.profile.pin.reference);
        let r = self.channel.transmit(&command)?;
        self.known.counter_answer(Counter::Pin, r.sw, self.profile);
        Ok(match r.sw.status() {
            Status::Success => PinStatus::Verified,
            Status::TriesLeft(n) => PinStatus::TriesLeft(n),
            Status::Blocked => PinStatus::Blocked,
            _ => PinStatus::Unknown,
        })
    }

    /// Verify the PIN for this session.
    pub fn verify_pin(&mut self, pin: &Pin) -> Result<(), CardError> {
        let format = self.profile.pin;
        let block = format
            .block(pin.digits())
            .ok_or_else(|| CardError::SecretFormat {
                kind: "PIN",
                expected: digits_range(format.min_digits, format.max_digits),
            })?;
        let command = Command::new(0, 0x20, 0x00, format.reference).with_data(block.to_vec());
        let r = self.channel.transmit(&command)?;
        self.known.counter_answer(Counter::Pin, r.sw, self.profile);
        self.pin_answer(r.sw, "VERIFY")
    }

    pub(super) fn pin_answer(
        &self,
        sw: StatusWord,
        operation: &'static str,
    ) -> Result<(), CardError> {
        match sw.status() {
            Status::Success => Ok(()),
            Status::TriesLeft(0) | Status::Blocked if self.profile.puk.is_none() => {
                Err(CardError::PinBlockedNoPuk)
            }
            Status::TriesLeft(0) | Status::Blocked => Err(CardError::PinBlocked),
            Status::TriesLeft(n) => Err(CardError::WrongPin { tries_left: n }),
            _ => Err(unexpected(operation, sw)),
        }
    }

    /// Change the PIN (the old one is checked by the card).
    pub fn change_pin(&mut self, old: &Pin, new: &Pin) -> Result<(), CardError> {
        if self.profile.dialect != Dialect::Reference {
            return Err(CardError::Unsupported(format!(
                "changing the PIN with the {} profile (its command is not known)",
                self.profile.name
            )));
        }
        let format = self.profile.pin;
        let expected = || digits_range(format.min_digits, format.max_digits);
        let old_block = format
            .block(old.digits())
            .ok_or_else(|| CardError::SecretFormat {
                kind: "PIN",
                expected: expected(),
            })?;
        let new_block = format
            .block(new.digits())
            .ok_or_else(|| CardError::BadNewPin(expected()))?;
        let data = [old_block.as_slice(), new_block.as_slice()].concat();
        let r = self.channel.transmit(
            &Command::new(0, 0x24, 0x00, format.reference)
                .with_data(zeroize::Zeroizing::new(data).to_vec()),
        )?;
        self.known.counter_answer(Counter::Pin, r.sw, self.profile);
        if r.sw.status() == Status::IncorrectData {
            return Err(CardError::BadNewPin(expected()));
        }
        self.pin_answer(r.sw, "CHANGE REFERENCE DATA")
    }

    /// Unblock the PIN with the PUK and set `new` as the PIN.
    pub fn unblock_pin(&mut self, puk: &Puk, new: &Pin) -> Result<(), CardError> {
        let puk_format = self.profile.puk.ok_or_else(|| {
            CardError::Unsupported(format!(
                "unblocking the PIN ({} has no known PUK)",
                self.profile.name
            ))
        })?;
        let format = self.profile.pin;
        let puk_block = puk_format
            .block(puk.digits())
            .ok_or_else(|| CardError::SecretFormat {
                kind: "PUK",
                expected: digits_range(puk_format.min_digits, puk_format.max_digits),
            })?;
        let new_block = format.block(new.digits()).ok_or_else(|| {
            CardError::BadNewPin(digits_range(format.min_digits, format.max_digits))
        })?;
        let data = zeroize::Zeroizing::new([puk_block.as_slice(), new_block.as_slice()].concat());
        let r = self
            .channel
            .transmit(&Command::new(0, 0x2C, 0x00, format.reference).with_data(data.to_vec()))?;
        self.known.counter_answer(Counter::Puk, r.sw, self.profile);
        match r.sw.status() {
            Status::Success => Ok(()),
            Status::TriesLeft(0) | Status::Blocked => Err(CardError::PukBlocked),
            Status::TriesLeft(n) => Err(CardError::WrongPuk { tries_left: n }),
            Status::IncorrectData => Err(CardError::BadNewPin(digits_range(
                format.min_digits,
                format.max_digits,
            ))),
            _ => Err(unexpected("RESET RETRY COUNTER", r.sw)),
        }
    }
}
