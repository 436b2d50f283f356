#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

// The types the app sees through qoltanba-ffi (feature `uniffi`): their
// Kotlin package and Swift file are named in uniffi.toml next to Cargo.toml.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod attestation;
pub mod cert;
mod cms_read;
mod cms_write;
pub mod crypto;
pub mod keyfile;
pub mod oid;
pub mod protocol;
pub mod reissue;
pub mod signed_message;
pub mod timestamp;
pub mod tsp;
pub mod xmldsig;
