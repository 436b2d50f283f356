#![doc = include_str!("../README.md")]

pub mod attestation;
pub mod embedded;
pub mod fixtures;
