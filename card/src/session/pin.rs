//! PIN management: the PIN's state, verifying, changing, and unblocking it
//! with the PUK; the formats of the CAN, PIN and PUK, checked before
//! anything reaches the card.
//!
//! A PIN the card has reported blocked (63C0 or 6983, to any PIN command or
//! as a zero counter in its status) stays blocked for the session: VERIFY
//! and CHANGE REFERENCE DATA are refused here without being sent, until
//! RESET RETRY COUNTER with the PUK succeeds.

use zeroize::{Zeroize, Zeroizing};

use super::CardSession;
use super::error::{CardError, digits_range, unexpected};
use super::status::Counter;
use crate::apdu::{Command, Status, StatusWord};
use crate::profile::{CardProfile, Dialect};
use crate::secret::{Can, Pin, Puk};

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

/// The CAN's length on this card.
pub(super) fn can_format(profile: &CardProfile, can: &Can) -> Result<(), CardError> {
    if can.len() != profile.can_digits {
        return Err(CardError::SecretFormat {
            kind: "CAN",
            expected: profile.can_digits.to_string(),
        });
    }
    Ok(())
}

/// The VERIFY block of `pin`, or why this card cannot take it.
pub(super) fn pin_block(profile: &CardProfile, pin: &Pin) -> Result<Zeroizing<Vec<u8>>, CardError> {
    let format = profile.pin;
    format
        .block(pin.digits())
        .ok_or_else(|| CardError::SecretFormat {
            kind: "PIN",
            expected: digits_range(format.min_digits, format.max_digits),
        })
}

/// The block of a new PIN, or why the card would refuse it.
pub(super) fn new_pin_block(
    profile: &CardProfile,
    pin: &Pin,
) -> Result<Zeroizing<Vec<u8>>, CardError> {
    let format = profile.pin;
    format
        .block(pin.digits())
        .ok_or_else(|| CardError::BadNewPin(digits_range(format.min_digits, format.max_digits)))
}

/// The block of `puk`, or why this card cannot take it (no known PUK, or
/// the wrong number of digits).
pub(super) fn puk_block(profile: &CardProfile, puk: &Puk) -> Result<Zeroizing<Vec<u8>>, CardError> {
    let format = profile.puk.ok_or_else(|| {
        CardError::Unsupported(format!(
            "unblocking the PIN ({} has no known PUK)",
            profile.name
        ))
    })?;
    format
        .block(puk.digits())
        .ok_or_else(|| CardError::SecretFormat {
            kind: "PUK",
            expected: digits_range(format.min_digits, format.max_digits),
        })
}

impl CardSession {
    // ---- PIN management ----------------------------------------------------

    /// The PIN's state without spending a try.
    pub fn pin_status(&mut self) -> Result<PinStatus, CardError> {
        let command = Command::new(0, 0x20, 0x00, self.profile.pin.reference);
        let r = self.channel.transmit(&command)?;
        self.known.counter_answer(Counter::Pin, r.sw, self.profile);
        let status = match r.sw.status() {
            Status::Success => PinStatus::Verified,
            Status::TriesLeft(0) | Status::Blocked => PinStatus::Blocked,
            Status::TriesLeft(n) => PinStatus::TriesLeft(n),
            _ => PinStatus::Unknown,
        };
        match status {
            PinStatus::Blocked => self.pin_blocked = true,
            PinStatus::Verified | PinStatus::TriesLeft(_) => self.pin_blocked = false,
            PinStatus::Unknown => {}
        }
        Ok(status)
    }

    /// Refuses, without asking the card, when the card has reported its
    /// PIN blocked in this session: a shell calls it before asking for the
    /// PIN, and every command that sends the PIN checks it first.
    pub fn check_pin_usable(&self) -> Result<(), CardError> {
        if self.pin_blocked {
            return Err(self.pin_blocked_error());
        }
        Ok(())
    }

    /// Whether the card has reported its PIN blocked in this session.
    pub fn pin_known_blocked(&self) -> bool {
        self.pin_blocked
    }

    /// A status read reported the PIN's try counter.
    pub(super) fn note_pin_tries(&mut self, tries: Option<u8>) {
        match tries {
            Some(0) => self.pin_blocked = true,
            Some(_) => self.pin_blocked = false,
            None => {}
        }
    }

    fn pin_blocked_error(&self) -> CardError {
        if self.profile.puk.is_none() {
            CardError::PinBlockedNoPuk
        } else {
            CardError::PinBlocked
        }
    }

    /// Verify the PIN for this session. A PIN this card cannot take, or a
    /// PIN the card has reported blocked, is refused without sending it.
    pub fn verify_pin(&mut self, pin: &Pin) -> Result<(), CardError> {
        let block = pin_block(self.profile, pin)?;
        self.check_pin_usable()?;
        let mut command =
            Command::new(0, 0x20, 0x00, self.profile.pin.reference).with_data(block.to_vec());
        let answer = self.channel.transmit(&command);
        command.data.zeroize();
        let r = answer?;
        self.known.counter_answer(Counter::Pin, r.sw, self.profile);
        self.pin_answer(r.sw, "VERIFY")
    }

    /// The card's answer to a command that sent the PIN; a blocked PIN
    /// (63C0 or 6983) is remembered for the session.
    pub(super) fn pin_answer(
        &mut self,
        sw: StatusWord,
        operation: &'static str,
    ) -> Result<(), CardError> {
        match sw.status() {
            Status::Success => {
                self.pin_blocked = false;
                Ok(())
            }
            Status::TriesLeft(0) | Status::Blocked => {
                self.pin_blocked = true;
                Err(self.pin_blocked_error())
            }
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
        let old_block = pin_block(self.profile, old)?;
        let new_block = new_pin_block(self.profile, new)?;
        self.check_pin_usable()?;
        let format = self.profile.pin;
        let mut command = Command::new(0, 0x24, 0x00, format.reference)
            .with_data([old_block.as_slice(), new_block.as_slice()].concat());
        let answer = self.channel.transmit(&command);
        command.data.zeroize();
        let r = answer?;
        self.known.counter_answer(Counter::Pin, r.sw, self.profile);
        if r.sw.status() == Status::IncorrectData {
            return Err(CardError::BadNewPin(digits_range(
                format.min_digits,
                format.max_digits,
            )));
        }
        self.pin_answer(r.sw, "CHANGE REFERENCE DATA")
    }

    /// Unblock the PIN with the PUK and set `new` as the PIN. Both are
    /// checked against the card's formats before anything is sent.
    pub fn unblock_pin(&mut self, puk: &Puk, new: &Pin) -> Result<(), CardError> {
        let puk_block = puk_block(self.profile, puk)?;
        let new_block = new_pin_block(self.profile, new)?;
        let format = self.profile.pin;
        let mut command = Command::new(0, 0x2C, 0x00, format.reference)
            .with_data([puk_block.as_slice(), new_block.as_slice()].concat());
        let answer = self.channel.transmit(&command);
        command.data.zeroize();
        let r = answer?;
        self.known.counter_answer(Counter::Puk, r.sw, self.profile);
        match r.sw.status() {
            Status::Success => {
                self.pin_blocked = false;
                Ok(())
            }
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

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::profile::{KZ_IDCARD, QOLTANBA_REF_1};
    use crate::transport::{CardTransport, TransportError};

    /// A plain card that answers from a script and counts what it was sent;
    /// a command beyond the script is a lost card.
    struct Scripted {
        answers: VecDeque<[u8; 2]>,
        sent: Arc<Mutex<Vec<Vec<u8>>>>,
    }

    impl CardTransport for Scripted {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.lock().unwrap().push(command.to_vec());
            self.answers
                .pop_front()
                .map(|sw| sw.to_vec())
                .ok_or(TransportError::TagLost)
        }
    }

    /// A kz-idcard session (plain APDUs) whose SELECTs succeed and whose
    /// next answers are `answers`.
    fn session(answers: &[[u8; 2]]) -> (CardSession, Arc<Mutex<Vec<Vec<u8>>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let mut script: VecDeque<[u8; 2]> = KZ_IDCARD.path.iter().map(|_| [0x90, 0x00]).collect();
        script.extend(answers.iter().copied());
        let transport = Scripted {
            answers: script,
            sent: Arc::clone(&sent),
        };
        let session = CardSession::open(Box::new(transport), Some(&KZ_IDCARD), None).unwrap();
        sent.lock().unwrap().clear();
        (session, sent)
    }

    #[test]
    fn a_blocked_answer_63c0_or_6983_stops_every_later_pin_command() {
        for blocked in [[0x63, 0xC0], [0x69, 0x83]] {
            let (mut s, sent) = session(&[[0x63, 0xC1], blocked]);
            let wrong = Pin::new("1111").unwrap();
            assert!(matches!(
                s.verify_pin(&wrong),
                Err(CardError::WrongPin { tries_left: 1 })
            ));
            assert!(!s.pin_known_blocked());
            // The kz-idcard has no known PUK: the advice is a service centre.
            assert!(matches!(
                s.verify_pin(&wrong),
                Err(CardError::PinBlockedNoPuk)
            ));
            assert!(s.pin_known_blocked());
            assert_eq!(sent.lock().unwrap().len(), 2);
            // The right PIN is not sent either (the script is empty: a send
            // would be a lost card, not this error).
            let right = Pin::new("4827").unwrap();
            assert!(matches!(
                s.verify_pin(&right),
                Err(CardError::PinBlockedNoPuk)
            ));
            assert!(matches!(
                s.check_pin_usable(),
                Err(CardError::PinBlockedNoPuk)
            ));
            assert_eq!(sent.lock().unwrap().len(), 2, "{blocked:02X?}");
        }
    }

    #[test]
    fn the_pin_state_read_marks_the_pin_blocked_and_a_later_try_unmarks_it() {
        for blocked in [[0x63, 0xC0], [0x69, 0x83]] {
            let (mut s, sent) = session(&[blocked, [0x63, 0xC3]]);
            assert_eq!(s.pin_status().unwrap(), PinStatus::Blocked);
            assert!(s.verify_pin(&Pin::new("4827").unwrap()).is_err());
            assert_eq!(sent.lock().unwrap().len(), 1, "no VERIFY with the PIN");
            // Another program unblocked it meanwhile: the card's word counts.
            assert_eq!(s.pin_status().unwrap(), PinStatus::TriesLeft(3));
            assert!(s.check_pin_usable().is_ok());
        }
    }

    #[test]
    fn secret_formats_follow_the_profile() {
        let puk = Puk::new("1234").unwrap();
        assert!(matches!(
            puk_block(&QOLTANBA_REF_1, &puk),
            Err(CardError::SecretFormat { kind: "PUK", ref expected }) if expected == "8"
        ));
        assert!(puk_block(&QOLTANBA_REF_1, &Puk::new("12345678").unwrap()).is_ok());
        assert!(matches!(
            puk_block(&KZ_IDCARD, &Puk::new("12345678").unwrap()),
            Err(CardError::Unsupported(_))
        ));
        assert!(matches!(
            pin_block(&KZ_IDCARD, &Pin::new("123456").unwrap()),
            Err(CardError::SecretFormat { kind: "PIN", ref expected }) if expected == "4"
        ));
        assert!(matches!(
            new_pin_block(&QOLTANBA_REF_1, &Pin::new("123").unwrap()),
            Err(CardError::BadNewPin(ref expected)) if expected == "4 to 12"
        ));
        assert!(can_format(&QOLTANBA_REF_1, &Can::new("12345").unwrap()).is_err());
        assert!(can_format(&QOLTANBA_REF_1, &Can::new("123456").unwrap()).is_ok());
        let e = puk_block(&QOLTANBA_REF_1, &puk).unwrap_err().to_string();
        assert!(!e.contains("1234"), "the PUK is never in the message: {e}");
        assert!(e.contains("enter it again"), "{e}");
    }
}
