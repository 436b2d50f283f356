#![doc = include_str!("../README.md")]

pub mod apdu;
pub mod card;
pub mod command;
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

pub use card::{Role, SimCard};
pub use command::Work;
pub use error::SimError;
pub use keys::KeyAlg;

pub use latency::{Interface, LatencyModel};
pub use pace::{PaceCurve, PaceSuite, RandomSource, SystemRandom};
pub use state::{CardState, KzSlots, Profile, SimConfig};
pub use transport::{LossPoint, SimTransport, Stats, StatsHandle, TransportControl};
