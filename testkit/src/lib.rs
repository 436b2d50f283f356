#![doc = include_str!("../README.md")]

pub mod attestation;
pub mod citizen;
pub mod embedded;
pub mod fixtures;
pub mod gost_peer;
pub mod http_fake;
pub mod nss;
pub mod openapi;
pub mod openssl;
pub mod pki;
pub mod postgres;
pub mod ra_process;
pub mod softhsm;
pub mod tsa;
