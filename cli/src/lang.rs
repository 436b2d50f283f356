//! The language the CLI speaks: `--lang`, else the environment (LC_ALL,
//! LC_MESSAGES, LANG), else English. Chosen once at start.

use std::sync::OnceLock;

use qoltanba_l10n::{Locale, Text, render};

static LOCALE: OnceLock<Locale> = OnceLock::new();

/// Fix the language for the rest of the run (the first call wins).
pub fn choose(flag: Option<Locale>) -> Locale {
    *LOCALE.get_or_init(|| flag.or_else(Locale::from_env).unwrap_or(Locale::FALLBACK))
}

pub fn locale() -> Locale {
    LOCALE.get().copied().unwrap_or(Locale::FALLBACK)
}

/// A text in the CLI's language.
pub fn say(text: &Text) -> String {
    render(locale(), text)
}
