//! Where secrets come from: a file, an environment variable, or a prompt.
//! Never a command-line argument, which other users can read in `ps`.
//! Without any of them (no file, no variable, no terminal) the error names
//! the secret and both ways to give it.

use std::io::IsTerminal;
use std::path::Path;

use qoltanba_l10n::Text;
use zeroize::Zeroizing;

use crate::error::CliError;
use crate::lang::say;

/// A secret the CLI reads, with its flag, its environment variable and its
/// name for the citizen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secret {
    /// The password of the current key files.
    KeyFilePassword,
    /// The password for new key files (typed twice at a prompt).
    NewKeyFilePassword,
    /// The CAN printed on the ID card.
    Can,
    /// The ID card's PIN.
    Pin,
    /// A new PIN for the ID card.
    NewPin,
    /// The ID card's PUK.
    Puk,
    /// A USB token's PIN.
    TokenPin,
}

impl Secret {
    /// The flag naming a file that holds it.
    pub fn flag(self) -> &'static str {
        match self {
            Self::KeyFilePassword => "--password-file",
            Self::NewKeyFilePassword => "--new-password-file",
            Self::Can => "--can-file",
            Self::Pin | Self::TokenPin => "--pin-file",
            Self::NewPin => "--new-pin-file",
            Self::Puk => "--puk-file",
        }
    }

    /// The environment variable that may hold it.
    pub fn env(self) -> &'static str {
        match self {
            Self::KeyFilePassword => "QOLTANBA_PASSWORD",
            Self::NewKeyFilePassword => "QOLTANBA_NEW_PASSWORD",
            Self::Can => "QOLTANBA_CAN",
            Self::Pin => "QOLTANBA_PIN",
            Self::NewPin => "QOLTANBA_NEW_PIN",
            Self::Puk => "QOLTANBA_PUK",
            Self::TokenPin => "QOLTANBA_TOKEN_PIN",
        }
    }

    /// What the citizen calls it (`cli-secret-…`).
    pub fn name(self) -> Text {
        Text::new(match self {
            Self::KeyFilePassword => "cli-secret-password",
            Self::NewKeyFilePassword => "cli-secret-new-password",
            Self::Can => "cli-secret-can",
            Self::Pin => "cli-secret-pin",
            Self::NewPin => "cli-secret-new-pin",
            Self::Puk => "cli-secret-puk",
            Self::TokenPin => "cli-secret-token-pin",
        })
    }

    /// Typed twice at a prompt: a new password nobody can check yet.
    fn confirm(self) -> bool {
        self == Self::NewKeyFilePassword
    }

    /// The error when it is given nowhere: named, with its flag and variable.
    pub fn missing(self) -> CliError {
        CliError::usage_text(
            Text::new("cli-secret-missing")
                .arg("what", self.name())
                .arg("flag", self.flag())
                .arg("env", self.env()),
        )
    }

    /// Read it: from `file` when given, else from its environment variable,
    /// else from a prompt without echo; without a terminal, [`Secret::missing`].
    pub fn read(self, file: Option<&Path>) -> Result<Zeroizing<String>, CliError> {
        if let Some(path) = file {
            return read_file(path);
        }
        if let Ok(value) = std::env::var(self.env()) {
            return Ok(Zeroizing::new(value));
        }
        if !std::io::stdin().is_terminal() {
            return Err(self.missing());
        }
        // A line typed ahead (say, a consent answer typed twice) is not
        // this secret: only what is typed after the question counts.
        let _ = rustix::termios::tcflush(std::io::stdin(), rustix::termios::QueueSelector::IFlush);
        let first = Zeroizing::new(
            rpassword::prompt_password(format!("{}: ", capitalised(&say(&self.name()))))
                .map_err(|e| CliError::io("reading the password", e))?,
        );
        if self.confirm() {
            let again = Zeroizing::new(
                rpassword::prompt_password(say(&Text::new("cli-secret-repeat")))
                    .map_err(|e| CliError::io("reading the password", e))?,
            );
            if *first != *again {
                return Err(CliError::usage_text(Text::new("cli-secret-differ")));
            }
        }
        Ok(first)
    }
}

/// `text` with its first letter upper-case, as a prompt starts.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn read_file(path: &Path) -> Result<Zeroizing<String>, CliError> {
    let bytes = Zeroizing::new(
        std::fs::read(path).map_err(|e| CliError::io(&format!("reading {}", path.display()), e))?,
    );
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        CliError::usage(format!(
            "{} is not UTF-8 text; put the password in it as text",
            path.display()
        ))
    })?;
    // One trailing newline is what `echo` and editors add; it is not part of the password.
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    Ok(Zeroizing::new(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_start_with_a_capital_in_every_script() {
        assert_eq!(capitalised("the card's PIN"), "The card's PIN");
        assert_eq!(capitalised("пароль файлов ключей"), "Пароль файлов ключей");
        assert_eq!(capitalised(""), "");
    }
}
