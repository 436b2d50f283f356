//! Where passwords come from: a file, an environment variable, or a prompt.
//! Never a command-line argument, which other users can read in `ps`.

use std::io::IsTerminal;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::CliError;

/// How the user told us to find one password.
pub struct PasswordSource<'a> {
    /// `--password-file` or `--new-password-file`.
    pub file: Option<&'a Path>,
    /// The environment variable that may hold it.
    pub env: &'static str,
    /// What the prompt asks for.
    pub prompt: &'static str,
    /// Ask twice and compare (for new passwords typed at a prompt).
    pub confirm: bool,
}

impl PasswordSource<'_> {
    pub fn read(&self) -> Result<Zeroizing<String>, CliError> {
        if let Some(path) = self.file {
            return read_file(path);
        }
        if let Ok(value) = std::env::var(self.env) {
            return Ok(Zeroizing::new(value));
        }
        if !std::io::stdin().is_terminal() {
            return Err(CliError::usage(format!(
                "no password given: use --password-file, set {}, or run in a terminal to be asked",
                self.env
            )));
        }
        let first = Zeroizing::new(
            rpassword::prompt_password(format!("{}: ", self.prompt))
                .map_err(|e| CliError::io("reading the password", e))?,
        );
        if self.confirm {
            let again = Zeroizing::new(
                rpassword::prompt_password("Repeat it: ")
                    .map_err(|e| CliError::io("reading the password", e))?,
            );
            if *first != *again {
                return Err(CliError::usage("the two passwords differ; try again"));
            }
        }
        Ok(first)
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
