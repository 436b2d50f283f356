#![doc = include_str!("../README.md")]

pub mod keystore;
pub mod ra;
pub mod reminders;
pub mod renewal;
pub mod store;
