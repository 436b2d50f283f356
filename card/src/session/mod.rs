//! A session with one card: open it (profile, PACE, path to the key
//! application), then PIN management, keys, signatures and certificates.
//!
//! Every operation is one short conversation that can be started again from
//! the top after a lost tag: what the session remembers of the card (its
//! status, certificates and public keys, so each is read at most once) is
//! kept current from the card's answers and forgotten when an answer is
//! lost, and writes that must not be half-done (new keys becoming current)
//! are guarded by the card itself (ACTIVATE KEYS checks every certificate
//! before it moves the roles, all of them in one command).
//!
//! Files: `open` (profile detection, then PACE), `status`, `pin`, `keys`
//! (roles, key generation, signatures), `certificates` (certificate files,
//! ACTIVATE KEYS), `error` ([`CardError`]).

use crate::channel::Channel;
use crate::profile::{CardAlgorithm, CardProfile};

mod certificates;
mod error;
mod keys;
mod open;
mod pin;
mod status;

pub use error::CardError;
pub use keys::Role;
pub use open::DetectedCard;
pub use pin::PinStatus;
pub use status::{CardStatus, SlotStatus};

/// An open session with one card.
pub struct CardSession {
    channel: Channel,
    profile: &'static CardProfile,
    atr: Option<Vec<u8>>,
    /// The last MSE:SET (slot, algorithm, for signing vs. authentication),
    /// so repeated signatures with one key skip it.
    selected_key: Option<(u8, CardAlgorithm, bool)>,
    /// What the card's answers told this session (status, certificates,
    /// public keys), so nothing is read twice.
    known: status::Known,
    /// The card reported its PIN blocked in this session: no command sends
    /// the PIN again until the PUK has unblocked it (`pin`).
    pin_blocked: bool,
}

impl std::fmt::Debug for CardSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardSession")
            .field("profile", &self.profile.name)
            .field("secure", &self.channel.is_secure())
            .finish()
    }
}
