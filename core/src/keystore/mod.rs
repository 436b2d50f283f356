//! Key stores.
