//! qoltanba-ffi: the qoltanba core for Kotlin and Swift, through uniffi.
//!
//! Thin adapters only: every exported item converts its arguments into the
//! core's types (secrets at once into the core's zeroizing types), calls
//! `qoltanba-core`, and converts the answer back. docs/bindings.md shows
//! the surface from Kotlin and Swift.
//!
//! - [`QoltanbaError`]: the one error of every call, with stable codes; a
//!   panic in the core comes back as [`QoltanbaError::Internal`];
//! - [`KeyFiles`]: NCA key files (show, change the password);
//! - [`CardTransport`] (implemented by the apps: IsoDep, NFCISO7816Tag) and
//!   [`CardSession`] (CAN, PIN, card info);
//! - [`App`]: the app state (local database, RA) and the renewal flow;
//! - `SimulatorCard` (feature `simulator`): a software ID card;
//! - `EmbeddedServer` and panicking calls (feature `testing`): for the
//!   Kotlin tests only.

uniffi::setup_scaffolding!();

mod app;
mod card;
mod error;
mod keyfiles;
#[cfg(feature = "simulator")]
mod simulator;
#[cfg(feature = "testing")]
mod testing;

pub use app::{App, RenewalListener, RenewalState, RenewalStep, RenewalSummary};
pub use card::{CardInfo, CardSession, CardSlot, CardTransport, PinState, TransportFailure};
pub use error::QoltanbaError;
pub use keyfiles::{KeyFileInfo, KeyFiles, KeyPurpose};
#[cfg(feature = "simulator")]
pub use simulator::SimulatorCard;
#[cfg(feature = "testing")]
pub use testing::EmbeddedServer;
