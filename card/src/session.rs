//! A session with one card: open it (profile, PACE, path to the key
//! application), then PIN management, keys, signatures and certificates.
//!
//! Every operation is one short conversation that can be started again from
//! the top after a lost tag: nothing here keeps card state that a retry
//! would trip over, and writes that must not be half-done (a certificate
//! becoming current) are guarded by the card itself (ACTIVATE KEYS checks
//! the certificate before it moves a role).

use spki::SubjectPublicKeyInfoOwned;

use super::apdu::{Command, Response, Status, StatusWord};
use super::channel::{Channel, ChannelError};
use super::keys::{self, CardKeyError};
use super::pace::{self, PaceError, PacePassword};
use super::profile::{
    Access, CardAlgorithm, CardProfile, CertificateStorage, Dialect, PROFILES, Select,
};
use super::secret::{Can, Pin, Puk};
use super::tlv;
use super::transport::{CardTransport, TransportError};

/// Why a card operation failed. Each variant's message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error(transparent)]
    Transport(TransportError),
    #[error(transparent)]
    Pace(PaceError),
    #[error("{0}")]
    Channel(ChannelError),
    #[error("the card is not one qoltanba knows (no known profile answered); use a Kazakh ID card")]
    UnknownCard,
    #[error("the card needs its CAN (the 6 digits printed on the card) to connect")]
    CanNeeded,
    #[error("the {kind} must have {expected} digits")]
    SecretFormat {
        kind: &'static str,
        expected: String,
    },
    #[error("wrong PIN; {}", tries(*tries_left, "the next wrong PIN blocks the card"))]
    WrongPin { tries_left: u8 },
    #[error("the PIN is blocked; unblock it with the PUK")]
    PinBlocked,
    #[error("the PIN is blocked and this card has no known PUK; visit a public service centre")]
    PinBlockedNoPuk,
    #[error("wrong PUK; {}", tries(*tries_left, "the next wrong PUK blocks it for good"))]
    WrongPuk { tries_left: u8 },
    #[error(
        "the PUK is blocked; the card's keys can no longer be used; visit a public service centre"
    )]
    PukBlocked,
    #[error("the card wants the PIN first; enter the PIN")]
    PinNeeded,
    #[error("the new PIN must have {0} digits")]
    BadNewPin(String),
    #[error("key slot {0:02X} is empty")]
    EmptySlot(u8),
    #[error("key slot {0:02X} does not exist on this card")]
    NoSuchSlot(u8),
    #[error("key slot {0:02X} holds a current key and cannot be overwritten")]
    SlotInUse(u8),
    #[error("the card does not support {0}")]
    Unsupported(String),
    #[error("generating a key in slot {0:02X} was not confirmed; nothing was changed")]
    NotConfirmed(u8),
    #[error(
        "the card refused the certificate for slot {0:02X}: it is missing, incomplete or not for that slot's key; write it again"
    )]
    CertificateRefused(u8),
    #[error("the certificate is {0} bytes; the card's file holds at most {1}")]
    CertificateTooLarge(usize, usize),
    #[error(transparent)]
    Key(#[from] CardKeyError),
    #[error(
        "the card answered {operation} with status word {sw}, which qoltanba does not expect; try again, and report it if it repeats"
    )]
    Unexpected {
        operation: &'static str,
        sw: StatusWord,
    },
    #[error("the card's answer to {operation} is malformed: {detail}")]
    Malformed {
        operation: &'static str,
        detail: String,
    },
}

/// "2 tries left", "1 try left (warning)".
fn tries(n: u8, last_warning: &str) -> String {
    match n {
        1 => format!("1 try left ({last_warning})"),
        n => format!("{n} tries left"),
    }
}

impl From<ChannelError> for CardError {
    fn from(e: ChannelError) -> Self {
        match e {
            ChannelError::Transport(t) => CardError::Transport(t),
            other => CardError::Channel(other),
        }
    }
}

impl From<PaceError> for CardError {
    fn from(e: PaceError) -> Self {
        match e {
            PaceError::Transport(t) => CardError::Transport(t),
            other => CardError::Pace(other),
        }
    }
}

impl CardError {
    /// Whether the card left the field or stopped answering: the operation
    /// can be started again from the top once the card is back.
    pub fn is_tag_lost(&self) -> bool {
        matches!(
            self,
            CardError::Transport(TransportError::TagLost | TransportError::Timeout)
        )
    }
}

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
    fn reference_id(self) -> u8 {
        match self {
            Role::Auth => 0x01,
            Role::Sign => 0x02,
        }
    }
}

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

/// An open session with one card.
pub struct CardSession {
    channel: Channel,
    profile: &'static CardProfile,
    atr: Option<Vec<u8>>,
    /// The last MSE:SET (slot, algorithm, for signing vs. authentication),
    /// so repeated signatures with one key skip it.
    selected_key: Option<(u8, CardAlgorithm, bool)>,
}

impl std::fmt::Debug for CardSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardSession")
            .field("profile", &self.profile.name)
            .field("secure", &self.channel.is_secure())
            .finish()
    }
}

impl CardSession {
    /// Open a session: choose the profile (given, from the ATR, or by asking
    /// the card), run PACE with the CAN where the profile needs it, and
    /// select the key application.
    pub fn open(
        transport: Box<dyn CardTransport>,
        profile: Option<&'static CardProfile>,
        can: Option<&Can>,
    ) -> Result<Self, CardError> {
        let atr = transport.atr();
        let mut channel = Channel::new(transport);
        let profile = match profile.or_else(|| atr.as_deref().and_then(CardProfile::from_atr)) {
            Some(p) => p,
            None => probe(&mut channel)?,
        };
        let mut session = Self {
            channel,
            profile,
            atr,
            selected_key: None,
        };
        if let Access::Pace { card_access_sfi } = profile.access {
            let can = can.ok_or(CardError::CanNeeded)?;
            if can.len() != profile.can_digits {
                return Err(CardError::SecretFormat {
                    kind: "CAN",
                    expected: profile.can_digits.to_string(),
                });
            }
            let card_access = session.read_card_access(card_access_sfi)?;
            let infos = pace::parse_card_access(&card_access)?;
            let info = pace::choose(&infos)?;
            let password = PacePassword::can(can.digits())?;
            let sm = pace::establish(session.channel.transport(), &info, &password)?;
            session.channel.start_secure_messaging(sm);
        }
        for step in profile.path {
            let command = match step {
                Select::Aid(aid) => Command::new(0, 0xA4, 0x04, 0x0C).with_data(*aid),
                Select::Fid(fid) => Command::new(0, 0xA4, 0x00, 0x0C).with_data(fid.to_be_bytes()),
            };
            let r = session.channel.transmit(&command)?;
            match r.sw.status() {
                Status::Success => {}
                Status::FileNotFound => return Err(CardError::UnknownCard),
                _ => return Err(unexpected("SELECT", r.sw)),
            }
        }
        tracing::debug!(profile = profile.name, "card session open");
        Ok(session)
    }

    pub fn profile(&self) -> &'static CardProfile {
        self.profile
    }

    pub fn atr(&self) -> Option<&[u8]> {
        self.atr.as_deref()
    }

    fn read_card_access(&mut self, sfi: u8) -> Result<Vec<u8>, CardError> {
        let r = self
            .channel
            .transmit(&Command::new(0, 0xB0, 0x80 | sfi, 0).with_le(256))?;
        match r.sw.status() {
            Status::Success | Status::EndOfFile => Ok(r.data),
            _ => Err(unexpected("READ BINARY EF.CardAccess", r.sw)),
        }
    }

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

    fn reference_status(&mut self) -> Result<CardStatus, CardError> {
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
        Ok(status)
    }

    // ---- PIN management ----------------------------------------------------

    /// The PIN's state without spending a try.
    pub fn pin_status(&mut self) -> Result<PinStatus, CardError> {
        let command = Command::new(0, 0x20, 0x00, self.profile.pin.reference);
        let r = self.channel.transmit(&command)?;
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
        self.pin_answer(r.sw, "VERIFY")
    }

    fn pin_answer(&self, sw: StatusWord, operation: &'static str) -> Result<(), CardError> {
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

    // ---- keys --------------------------------------------------------------

    /// The public key in `slot`, or `None` when the slot is empty.
    pub fn public_key(&mut self, slot: u8) -> Result<Option<SubjectPublicKeyInfoOwned>, CardError> {
        self.check_slot(slot)?;
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

    fn slot_algorithm(&mut self, slot: u8) -> Result<CardAlgorithm, CardError> {
        match self.profile.dialect {
            Dialect::KzIdCard => Ok(CardAlgorithm::Rsa2048),
            Dialect::Reference => self
                .reference_status()?
                .slots
                .iter()
                .find(|s| s.slot == slot)
                .and_then(|s| s.algorithm)
                .ok_or(CardError::EmptySlot(slot)),
        }
    }

    fn check_slot(&self, slot: u8) -> Result<(), CardError> {
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
                let r = self.channel.transmit(&command)?;
                self.key_answer(r.sw, slot, "GENERATE ASYMMETRIC KEY PAIR")?;
                Ok(keys::spki_from_template(&r.data, algorithm)?)
            }
            Dialect::KzIdCard => {
                let command =
                    Command::new(0, 0x46, 0x02, 0x00).with_data([0xA4, 0x03, 0x84, 0x01, slot]);
                let r = self.channel.transmit(&command)?;
                self.key_answer(r.sw, slot, "GENERATE")?;
                self.public_key(slot)?.ok_or(CardError::EmptySlot(slot))
            }
        }
    }

    fn key_answer(
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

    // ---- certificates -------------------------------------------------------

    /// The certificate stored for `slot` (DER), or `None` when the file is
    /// empty or the card keeps no certificates.
    pub fn read_certificate(&mut self, slot: u8) -> Result<Option<Vec<u8>>, CardError> {
        const OP: &str = "READ BINARY";
        self.check_slot(slot)?;
        let Some(fid) = self.profile.certificate_file(slot) else {
            return Ok(None);
        };
        let CertificateStorage::PerSlotFiles { size, .. } = self.profile.certificates else {
            return Ok(None);
        };
        self.select_file(fid)?;
        let first = self.read_binary(0, self.profile.chunk.min(size))?;
        if first.first().copied().unwrap_or(0) == 0 {
            return Ok(None);
        }
        let total = der_total_length(&first).ok_or_else(|| CardError::Malformed {
            operation: OP,
            detail: "the certificate file does not start with a DER SEQUENCE".into(),
        })?;
        if total > size {
            return Err(CardError::Malformed {
                operation: OP,
                detail: format!("a {total}-byte certificate in a {size}-byte file"),
            });
        }
        let mut out = first;
        while out.len() < total {
            let want = (total - out.len()).min(self.profile.chunk);
            let more = self.read_binary(out.len(), want)?;
            if more.is_empty() {
                return Err(CardError::Malformed {
                    operation: OP,
                    detail: "the file ends inside the certificate".into(),
                });
            }
            out.extend_from_slice(&more);
        }
        out.truncate(total);
        Ok(Some(out))
    }

    fn select_file(&mut self, fid: u16) -> Result<(), CardError> {
        let r = self
            .channel
            .transmit(&Command::new(0, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes()))?;
        match r.sw.status() {
            Status::Success => Ok(()),
            _ => Err(unexpected("SELECT file", r.sw)),
        }
    }

    fn read_binary(&mut self, offset: usize, len: usize) -> Result<Vec<u8>, CardError> {
        let command = Command::new(0, 0xB0, (offset >> 8) as u8 & 0x7F, offset as u8).with_le(len);
        let r = self.channel.transmit(&command)?;
        match r.sw.status() {
            Status::Success | Status::EndOfFile => Ok(r.data),
            Status::WrongOffset => Ok(Vec::new()),
            _ => Err(unexpected("READ BINARY", r.sw)),
        }
    }

    /// Write `der` into the certificate file of `slot` (a slot without a role).
    pub fn write_certificate(&mut self, slot: u8, der: &[u8]) -> Result<(), CardError> {
        self.check_slot(slot)?;
        let (Some(fid), CertificateStorage::PerSlotFiles { size, .. }) = (
            self.profile.certificate_file(slot),
            self.profile.certificates,
        ) else {
            return Err(CardError::Unsupported(format!(
                "storing certificates ({} has no certificate files)",
                self.profile.name
            )));
        };
        if der.len() > size {
            return Err(CardError::CertificateTooLarge(der.len(), size));
        }
        self.select_file(fid)?;
        for (i, chunk) in der.chunks(self.profile.chunk).enumerate() {
            let offset = i * self.profile.chunk;
            let command =
                Command::new(0, 0xD6, (offset >> 8) as u8 & 0x7F, offset as u8).with_data(chunk);
            let r = self.channel.transmit(&command)?;
            self.key_answer(r.sw, slot, "UPDATE BINARY")?;
        }
        Ok(())
    }

    /// Make the given slots current for their roles, all at once. The card
    /// checks each slot's certificate first and changes nothing on failure.
    pub fn activate(&mut self, roles: &[(Role, u8)]) -> Result<(), CardError> {
        if self.profile.dialect != Dialect::Reference {
            return Err(CardError::Unsupported(format!(
                "making keys current ({} has no such command)",
                self.profile.name
            )));
        }
        let data: Vec<u8> = roles
            .iter()
            .flat_map(|(role, slot)| {
                tlv::encode(
                    0xA1,
                    &[
                        tlv::encode(0x83, &[role.reference_id()]),
                        tlv::encode(0x84, &[*slot]),
                    ]
                    .concat(),
                )
            })
            .collect();
        let r = self
            .channel
            .transmit(&Command::new(0x80, 0x44, 0x00, 0x00).with_data(data))?;
        match r.sw.status() {
            Status::Success => Ok(()),
            Status::SecurityStatusNotSatisfied => Err(CardError::PinNeeded),
            Status::IncorrectData => Err(CardError::CertificateRefused(
                roles.first().map(|(_, s)| *s).unwrap_or(0),
            )),
            _ => Err(unexpected("ACTIVATE KEYS", r.sw)),
        }
    }
}

/// Find the profile by asking the card: `qoltanba-ref-1` has EF.CardAccess,
/// the kz-idcard answers SELECT of its MF.
fn probe(channel: &mut Channel) -> Result<&'static CardProfile, CardError> {
    for profile in PROFILES {
        let command = match profile.access {
            Access::Pace { card_access_sfi } => {
                Command::new(0, 0xB0, 0x80 | card_access_sfi, 0).with_le(256)
            }
            Access::Plain => match profile.path.first() {
                Some(Select::Fid(fid)) => {
                    Command::new(0, 0xA4, 0x00, 0x0C).with_data(fid.to_be_bytes())
                }
                _ => continue,
            },
        };
        let r: Response = channel.transmit(&command)?;
        // EF.CardAccess may be shorter than asked: 6282 with its data.
        if matches!(r.sw.status(), Status::Success | Status::EndOfFile) {
            return Ok(profile);
        }
    }
    Err(CardError::UnknownCard)
}

fn unexpected(operation: &'static str, sw: StatusWord) -> CardError {
    CardError::Unexpected { operation, sw }
}

fn byte(value: &[u8], operation: &'static str) -> Result<u8, CardError> {
    match value {
        [b] => Ok(*b),
        _ => Err(CardError::Malformed {
            operation,
            detail: format!("a {}-byte field where one byte belongs", value.len()),
        }),
    }
}

fn digits_range(min: usize, max: usize) -> String {
    if min == max {
        min.to_string()
    } else {
        format!("{min} to {max}")
    }
}

/// The total length of the DER element at the start of `bytes` (header included).
fn der_total_length(bytes: &[u8]) -> Option<usize> {
    if bytes.first() != Some(&0x30) {
        return None;
    }
    let l0 = *bytes.get(1)?;
    match l0 {
        0x00..=0x7F => Some(2 + l0 as usize),
        0x81 => Some(3 + *bytes.get(2)? as usize),
        0x82 => Some(4 + u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?]) as usize),
        _ => None,
    }
}
