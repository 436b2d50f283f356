//! `qoltanba-card-sim`: a software ID card.
//!
//! It plays the two card profiles of `docs/card-profile.md` from the card
//! side, so the terminal side in `qoltanba-core` (and the desktop through
//! vsmartcard's vpcd) can be tested without a chip:
//!
//! - `qoltanba-ref-1`: ATR `3B 8B 80 01` "QOLTANBA-R1" TCK, EF.CardAccess,
//!   PACE as the chip (Generic Mapping, brainpoolP256r1 or NIST P-256,
//!   AES-128/192/256, CAN or PIN), AES secure messaging and the key-slot
//!   application (slots 81..84, certificate files C001..C004, roles,
//!   PIN/PUK, ACTIVATE KEYS).
//! - `kz-idcard`: plain contact APDUs as logged from NCA's key-slot test
//!   utility; ATR `3B 39 19 00 53 4F 4D 41 44 53 33 30 00` ("SOMADS30" then
//!   `00` as the ninth historical byte: T0 = 39 announces nine).
//!
//! Layers, one job each: [`apdu`] (command parsing, TLV), [`crypto`] (AES,
//! CMAC, KDF), [`pace`] (the chip side of PACE), [`sm`] (card-side secure
//! messaging), [`keys`] (the card's key pairs), [`state`] (what survives a
//! power cycle, saved atomically), [`reference`] and [`kz`] (the profiles'
//! command processing), [`card`] ([`SimCard`]), [`latency`] (simulated
//! time), [`transport`] ([`SimTransport`], fault injection, statistics),
//! [`vpcd`] (vsmartcard's virtual reader).
//!
//! Choices where the profile document leaves room (all documented at their
//! place): a plain command while secure messaging is active ends the SM
//! session and is then processed as a plain command (so a restarted PACE or
//! a read of EF.CardAccess works, and application commands answer `6982`);
//! the wrong try that uses up a counter answers `63C0`, later tries `6983`;
//! PACE with the PIN also counts as a verified PIN for the SM session.

pub mod apdu;
pub mod card;
pub mod crypto;
pub mod error;
pub mod keys;
pub mod kz;
pub mod latency;
pub mod pace;
pub mod reference;
pub mod sm;
pub mod state;
pub mod terminal;
pub mod transport;
pub mod vpcd;

pub use card::{Role, SimCard, Work};
pub use error::SimError;
pub use keys::KeyAlg;

pub use latency::{Interface, LatencyModel};
pub use pace::{PaceCurve, PaceSuite, RandomSource, SystemRandom};
pub use state::{CardState, KzSlots, Profile, SimConfig};
pub use transport::{LossPoint, SimTransport, Stats, StatsHandle, TransportControl};
