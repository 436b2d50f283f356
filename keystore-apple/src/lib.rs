#![doc = include_str!("../README.md")]

#[cfg(target_vendor = "apple")]
mod keychain;

#[cfg(target_vendor = "apple")]
pub use keychain::{AppleKeystore, WRAPPING_LABEL};
