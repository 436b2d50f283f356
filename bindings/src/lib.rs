#![doc = include_str!("../README.md")]

uniffi::setup_scaffolding!();

mod app;
mod cabinet;
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
// On Android the keystore code is always built; with `testing` the
// instrumented tests drive it through these exports on a real AndroidKeyStore.
#[cfg(all(
    feature = "testing",
    any(target_os = "android", feature = "jvm-keystore")
))]
mod testing_android;

pub use app::{
    App, CancelHandle, CardRenewal, KeyFileRenewal, KeySource, KeystoreRenewal, RenewalListener,
    RenewalState, RenewalSummary,
};
pub use cabinet::RaSession;
pub use card::{CardInfo, CardSession, CardSlot, CardTransport, PinState, TransportFailure};
pub use error::{QoltanbaError, current_locale, error_kind_message, set_locale};
// The core crates' own enums, in the apps as KeyPurpose, KeyLevel and
// RenewalStep (they derive uniffi's traits with their feature `uniffi`).
pub use keyfiles::KeyFiles;
pub use keys::{CertificateInfo, KnownKey};
pub use log::{LogLevel, LogSink, set_log_sink};
pub use platform::{PlatformKeyInfo, PlatformKeys};
pub use qoltanba_core::renewal::Step;
pub use qoltanba_pki::attestation::SecurityLevel;
pub use qoltanba_pki::cert::Purpose;
pub use reminders::{ReminderInfo, ReminderPlan, reminder_from_push, serial_from_deep_link};
#[cfg(feature = "simulator")]
pub use simulator::SimulatorCard;
#[cfg(feature = "testing")]
pub use testing::EmbeddedServer;
