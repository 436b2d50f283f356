//! The CLI's error: a one-line reason and an exit code.

use std::fmt;

use qoltanba_l10n::{Localize, Text};

/// Exit codes: 1 the operation failed (bad key, wrong password, invalid
/// application), 2 the command was used wrongly, 3 a file (or standard
/// output) could not be read or written, 141 the reader of standard output
/// went away (said nowhere: see `qoltanba_l10n::stdout`).
pub struct CliError {
    message: Message,
    code: u8,
}

/// Words already made (usage errors, clap, data-format errors that speak
/// English only), or a text rendered in the CLI's language when printed.
enum Message {
    Plain(String),
    Text(Text),
    /// Standard output's reader went away: nothing to say.
    Quiet,
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
        let message = if qoltanba_l10n::stdout::is_disk_full(&e) {
            Message::Text(Text::new("cli-disk-full").arg("what", what.to_string()))
        } else {
            Message::Plain(format!("{what}: {e}"))
        };
        Self { message, code: 3 }
    }
    /// A key-file operation's failure: a full disk is a file that could
    /// not be written (exit code 3), the rest failures of the operation.
    pub fn key_file(e: qoltanba_pki::keyfile::KeyFileError) -> Self {
        let code = match e {
            qoltanba_pki::keyfile::KeyFileError::DiskFull(_)
            | qoltanba_pki::keyfile::KeyFileError::Io { .. } => 3,
            _ => 1,
        };
        Self {
            message: Message::Text(e.text()),
            code,
        }
    }
    /// Standard output could not be written.
    pub fn output(e: qoltanba_l10n::stdout::OutputError) -> Self {
        use qoltanba_l10n::stdout::{BROKEN_PIPE_EXIT, OutputError};
        match e {
            OutputError::Closed => Self {
                message: Message::Quiet,
                code: BROKEN_PIPE_EXIT,
            },
            e => Self {
                message: Message::Text(e.text()),
                code: 3,
            },
        }
    }
    /// Nothing is to be said (the reader of standard output went away).
    pub fn is_quiet(&self) -> bool {
        matches!(self.message, Message::Quiet)
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
            Message::Quiet => String::new(),
        };
        // Keep it to one line whatever the source said.
        f.write_str(&message.replace('\n', " "))
    }
}
