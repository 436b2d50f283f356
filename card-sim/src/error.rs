//! Errors of the personalisation API, the state file and the binary.
//! APDU processing never fails: it answers with a status word instead.

/// Why a simulator operation outside the APDU interface failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Reading or writing the state file failed.
    #[error("card state file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The state file is not a card this simulator wrote.
    #[error("card state file {path} is not valid: {reason}")]
    BadState { path: String, reason: String },
    /// A personalisation value is out of range (PIN format, slot, ...).
    #[error("invalid card configuration: {0}")]
    Config(String),
    /// Key generation or a key operation failed.
    #[error("card key operation failed: {0}")]
    Key(String),
    /// The vpcd connection failed.
    #[error("vpcd: {0}")]
    Vpcd(String),
}
