#![doc = include_str!("../README.md")]

pub mod consent;
pub mod keys;
pub mod origins;
pub mod prompt;
pub mod protocol;
pub mod server;
pub mod service;
pub mod signing;
pub mod tls;
pub mod trust;
