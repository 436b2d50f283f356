//! The CLI's error: a one-line reason and an exit code.

use std::fmt;

use qoltanba_l10n::{Localize, Text};

/// Exit codes: 1 the operation failed (bad key, wrong password, invalid
/// application), 2 the command was used wrongly, 3 a file could not be read or written.
pub struct CliError {
    message: Message,
    code: u8,
}

/// Words already made (usage errors, clap, data-format errors that speak
/// English only), or a text rendered in the CLI's language when printed.
enum Message {
    Plain(String),
    Text(Text),
}

impl CliError {
    /// A failure of the core's, in the CLI's language (see `lang`).
    pub fn said(e: impl Localize) -> Self {
        Self::text(e.text())
    }
    /// A failure the CLI itself words.
    pub fn text(text: Text) -> Self {
        Self {
            message: Message::Text(text),
            code: 1,
        }
    }
    pub fn failed(e: impl fmt::Display) -> Self {
        Self {
            message: Message::Plain(e.to_string()),
            code: 1,
        }
    }
    /// A usage error (exit code 2) in the CLI's language.
    pub fn usage_text(text: Text) -> Self {
        Self {
            message: Message::Text(text),
            code: 2,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: Message::Plain(message.into()),
            code: 2,
        }
    }
    pub fn io(what: &str, e: std::io::Error) -> Self {
        Self {
            message: Message::Plain(format!("{what}: {e}")),
            code: 3,
        }
    }
    pub fn code(&self) -> u8 {
        self.code
    }
}

/// The code and the one line (for tests' failures; no secret is ever in it).
impl fmt::Debug for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CliError({}: {self})", self.code)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = match &self.message {
            Message::Plain(s) => s.clone(),
            Message::Text(t) => crate::lang::say(t),
        };
        // Keep it to one line whatever the source said.
        f.write_str(&message.replace('\n', " "))
    }
}
