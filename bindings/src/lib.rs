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
//! - [`App`]: the app state (local database, RA), the renewal flow with key
//!   files or the card (start, answer the code, cancel, resume), the keys
//!   the device knows, key-file import, and the reminders to schedule;
//! - [`reminder_from_push`], [`serial_from_deep_link`]: push payloads and
//!   notification links;
//! - [`PlatformKeys`]: the platform keystore a renewal can put new keys in;
//! - [`LogSink`] and [`set_log_sink`]: the core's log in the app's logger;
//! - `SimulatorCard` (feature `simulator`): a software ID card;
//! - `EmbeddedServer` and panicking calls (feature `testing`): for the
//!   Kotlin tests only.

uniffi::setup_scaffolding!();

#[cfg(any(target_os = "android", feature = "jvm-keystore"))]
mod android;
mod app;
mod card;
mod error;
mod keyfiles;
mod keys;
mod live;
mod log;
mod platform;
mod reminders;
#[cfg(feature = "simulator")]
mod simulator;
#[cfg(feature = "testing")]
mod testing;
#[cfg(all(feature = "testing", feature = "jvm-keystore"))]
mod testing_android;

pub use app::{
    App, CancelHandle, CardRenewal, KeyFileRenewal, KeySource, KeystoreRenewal, RenewalListener,
    RenewalState, RenewalStep, RenewalSummary,
};
pub use card::{CardInfo, CardSession, CardSlot, CardTransport, PinState, TransportFailure};
pub use error::QoltanbaError;
pub use keyfiles::KeyFiles;
pub use keys::{CertificateInfo, KeyPurpose, KnownKey};
pub use log::{LogLevel, LogSink, set_log_sink};
pub use platform::{KeyLevel, PlatformKeyInfo, PlatformKeys};
pub use reminders::{ReminderInfo, ReminderPlan, reminder_from_push, serial_from_deep_link};
#[cfg(feature = "simulator")]
pub use simulator::SimulatorCard;
#[cfg(feature = "testing")]
pub use testing::EmbeddedServer;
