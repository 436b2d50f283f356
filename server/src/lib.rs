#![doc = include_str!("../README.md")]

pub mod api;
pub mod attestation;
pub mod ca;
pub mod config;
pub mod crash;
pub mod db;

pub mod home;
pub mod notify;
pub mod registry;
pub mod serve;
pub mod tls;
