#![doc = include_str!("../README.md")]

pub mod curves;
mod fixed_base;
mod joint;
mod pseudo_mersenne;
mod scheme;

pub use scheme::{GostCurve, digest_scalar, scalar_in_range};
