//! Opening a session, in two steps: [`CardSession::detect`] chooses the
//! card's profile (given, from the ATR, or by probing the card) without any
//! secret, so the shell learns whether a CAN is needed and what the PIN and
//! PUK look like before it asks for them; [`DetectedCard::open`] then runs
//! PACE with the CAN where the profile needs it and selects the key
//! application.

use super::CardSession;
use super::error::{CardError, unexpected};
use super::pin::{can_format, new_pin_block, pin_block, puk_block};
use crate::apdu::{Command, Status};
use crate::channel::Channel;
use crate::pace::{self, PacePassword};
use crate::profile::{Access, CardProfile, PROFILES, Select};
use crate::secret::{Can, Pin, Puk};
use crate::transport::CardTransport;

/// A card whose profile is known, before any secret has been used: whether
/// opening it needs the CAN, and the formats of its CAN, PIN and PUK, so a
/// shell asks only for what the card needs and refuses a malformed secret
/// before PACE. [`DetectedCard::open`] continues on the same connection.
pub struct DetectedCard {
    channel: Channel,
    profile: &'static CardProfile,
    atr: Option<Vec<u8>>,
    /// EF.CardAccess as the probe read it (an unrecognised ATR): PACE uses
    /// it instead of reading the file a second time.
    card_access: Option<Vec<u8>>,
}

impl std::fmt::Debug for DetectedCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DetectedCard")
            .field("profile", &self.profile.name)
            .finish_non_exhaustive()
    }
}

impl CardSession {
    /// Open a session: [`CardSession::detect`], then [`DetectedCard::open`].
    pub fn open(
        transport: Box<dyn CardTransport>,
        profile: Option<&'static CardProfile>,
        can: Option<&Can>,
    ) -> Result<Self, CardError> {
        Self::detect(transport, profile)?.open(can)
    }

    /// Find out which card this is, without any secret: the profile given,
    /// else the one the ATR names, else the one whose file or application
    /// the card answers (no APDU at all in the first two cases).
    pub fn detect(
        transport: Box<dyn CardTransport>,
        profile: Option<&'static CardProfile>,
    ) -> Result<DetectedCard, CardError> {
        let atr = transport.atr();
        let mut channel = Channel::new(transport);
        let (profile, card_access) =
            match profile.or_else(|| atr.as_deref().and_then(CardProfile::from_atr)) {
                Some(p) => (p, None),
                None => probe(&mut channel)?,
            };
        Ok(DetectedCard {
            channel,
            profile,
            atr,
            card_access,
        })
    }

    pub fn profile(&self) -> &'static CardProfile {
        self.profile
    }

    pub fn atr(&self) -> Option<&[u8]> {
        self.atr.as_deref()
    }
}

impl DetectedCard {
    pub fn profile(&self) -> &'static CardProfile {
        self.profile
    }

    pub fn atr(&self) -> Option<&[u8]> {
        self.atr.as_deref()
    }

    /// Whether [`DetectedCard::open`] needs the CAN (PACE with the CAN).
    pub fn needs_can(&self) -> bool {
        matches!(self.profile.access, Access::Pace { .. })
    }

    /// Refuse a CAN this card cannot take, before anything reaches the card.
    pub fn check_can(&self, can: &Can) -> Result<(), CardError> {
        can_format(self.profile, can)
    }

    /// Refuse a PIN this card cannot take (digits, length), before PACE.
    pub fn check_pin(&self, pin: &Pin) -> Result<(), CardError> {
        pin_block(self.profile, pin).map(drop)
    }

    /// Refuse a PUK this card cannot take, before PACE; a card without a
    /// known PUK says so.
    pub fn check_puk(&self, puk: &Puk) -> Result<(), CardError> {
        puk_block(self.profile, puk).map(drop)
    }

    /// Refuse a new PIN the card would not accept, before PACE.
    pub fn check_new_pin(&self, pin: &Pin) -> Result<(), CardError> {
        new_pin_block(self.profile, pin).map(drop)
    }

    /// Open the session: PACE with `can` where the profile needs it (its
    /// format is checked before anything is sent), then the path to the key
    /// application.
    pub fn open(self, can: Option<&Can>) -> Result<CardSession, CardError> {
        let Self {
            channel,
            profile,
            atr,
            card_access,
        } = self;
        let mut session = CardSession {
            channel,
            profile,
            atr,
            selected_key: None,
            known: Default::default(),
            pin_blocked: false,
        };
        if let Access::Pace { card_access_sfi } = profile.access {
            let can = can.ok_or(CardError::CanNeeded)?;
            can_format(profile, can)?;
            let card_access = match card_access {
                Some(bytes) => bytes,
                None => session.read_card_access(card_access_sfi)?,
            };
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
}

impl CardSession {
    pub(super) fn read_card_access(&mut self, sfi: u8) -> Result<Vec<u8>, CardError> {
        let r = self.channel.transmit(&read_card_access(sfi))?;
        match r.sw.status() {
            Status::Success | Status::EndOfFile => Ok(r.data),
            _ => Err(unexpected("READ BINARY EF.CardAccess", r.sw)),
        }
    }
}

/// READ BINARY of EF.CardAccess by its short file identifier.
fn read_card_access(sfi: u8) -> Command {
    Command::new(0, 0xB0, 0x80 | sfi, 0).with_le(256)
}

/// Find the profile by asking the card: `qoltanba-ref-1` has EF.CardAccess
/// (kept: PACE needs it next), the kz-idcard answers SELECT of its MF.
fn probe(channel: &mut Channel) -> Result<(&'static CardProfile, Option<Vec<u8>>), CardError> {
    for profile in PROFILES {
        let command = match profile.access {
            Access::Pace { card_access_sfi } => read_card_access(card_access_sfi),
            Access::Plain => match profile.path.first() {
                Some(Select::Fid(fid)) => {
                    Command::new(0, 0xA4, 0x00, 0x0C).with_data(fid.to_be_bytes())
                }
                _ => continue,
            },
        };
        let r = channel.transmit(&command)?;
        // EF.CardAccess may be shorter than asked: 6282 with its data.
        if matches!(r.sw.status(), Status::Success | Status::EndOfFile) {
            let card_access = matches!(profile.access, Access::Pace { .. }).then_some(r.data);
            return Ok((profile, card_access));
        }
    }
    Err(CardError::UnknownCard)
}
