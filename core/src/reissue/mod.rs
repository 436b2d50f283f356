//! Reissue.
