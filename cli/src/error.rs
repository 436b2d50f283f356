//! The CLI's error: a one-line reason and an exit code.

use std::fmt;

/// Exit codes: 1 the operation failed (bad key, wrong password, invalid
/// application), 2 the command was used wrongly, 3 a file could not be read or written.
pub struct CliError {
    message: String,
    code: u8,
}

impl CliError {
    pub fn failed(e: impl fmt::Display) -> Self {
        Self {
            message: e.to_string(),
            code: 1,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }
    pub fn io(what: &str, e: std::io::Error) -> Self {
        Self {
            message: format!("{what}: {e}"),
            code: 3,
        }
    }
    pub fn code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keep it to one line whatever the source said.
        f.write_str(&self.message.replace('\n', " "))
    }
}
