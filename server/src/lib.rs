#![doc = include_str!("../README.md")]

pub mod api;
pub mod attestation;
pub mod ca;
pub mod client_addr;
pub mod config;
pub mod crash;
pub mod db;

pub mod home;
pub mod logging;
pub mod metrics;
pub mod notify;
pub mod registry;
pub mod sd_notify;
pub mod serve;
pub mod tls;
