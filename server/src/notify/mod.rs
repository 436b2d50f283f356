//! Expiry notices (being written).
