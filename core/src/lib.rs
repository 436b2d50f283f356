#![doc = include_str!("../README.md")]

// The types the app sees through qoltanba-ffi (feature `uniffi`): their
// Kotlin package and Swift file are named in uniffi.toml next to Cargo.toml.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod cabinet;
pub mod keystore;
pub mod ra;
pub mod reminders;
pub mod renewal;
pub mod store;
pub mod tsa;
