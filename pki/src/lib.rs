#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

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
