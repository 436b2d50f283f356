#![doc = include_str!("../README.md")]

pub mod tls;
pub mod trust;
