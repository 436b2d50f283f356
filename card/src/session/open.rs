//! Opening a session: choosing the card's profile (given, from the ATR, or by
//! probing the card), PACE with the CAN where the profile needs it, the path
//! to the key application.

use super::CardSession;
use super::error::{CardError, unexpected};
use crate::apdu::{Command, Response, Status};
use crate::channel::Channel;
use crate::pace::{self, PacePassword};
use crate::profile::{Access, CardProfile, PROFILES, Select};
use crate::secret::Can;
use crate::transport::CardTransport;

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
            known: Default::default(),
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

    pub(super) fn read_card_access(&mut self, sfi: u8) -> Result<Vec<u8>, CardError> {
        let r = self
            .channel
            .transmit(&Command::new(0, 0xB0, 0x80 | sfi, 0).with_le(256))?;
        match r.sw.status() {
            Status::Success | Status::EndOfFile => Ok(r.data),
            _ => Err(unexpected("READ BINARY EF.CardAccess", r.sw)),
        }
    }
}

/// Find the profile by asking the card: `qoltanba-ref-1` has EF.CardAccess,
/// the kz-idcard answers SELECT of its MF.
pub(super) fn probe(channel: &mut Channel) -> Result<&'static CardProfile, CardError> {
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
