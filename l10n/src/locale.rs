//! Which of the three languages a text is shown in, and how a tag or the
//! environment names one.

use std::fmt;
use std::str::FromStr;

/// A language qoltanba speaks. Kazakh is written in Cyrillic, as on the
/// ID card and in NCA's cabinet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Locale {
    /// Қазақ тілі.
    Kk,
    /// Русский язык.
    Ru,
    /// English: the fallback when nothing names Kazakh or Russian.
    #[default]
    En,
}

impl Locale {
    /// Every locale, in the order the catalogs are listed (Kazakh, the state
    /// language, first).
    pub const ALL: [Locale; 3] = [Locale::Kk, Locale::Ru, Locale::En];

    /// What a caller gets when no tag matches: English, the one language
    /// both a Kazakh and a Russian speaker may not read but every developer
    /// and support desk does, and the one the catalogs are written from.
    pub const FALLBACK: Locale = Locale::En;

    /// The BCP 47 language tag: `kk`, `ru` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Kk => "kk",
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }

    /// The locale a BCP 47 tag (`ru-KZ`, `kk-Cyrl-KZ`, `en`) or a POSIX
    /// locale name (`kk_KZ.UTF-8`, `ru_RU@euro`) names, by its language
    /// (ISO 639-1 or 639-2, any case); the region, script, encoding and
    /// modifier do not matter. `None` for any other language, for `C` and
    /// `POSIX`, and for an empty tag: the caller decides the fallback,
    /// usually [`Locale::FALLBACK`] through [`Locale::from_tag_or_fallback`].
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let language = tag
            .trim()
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match language.as_str() {
            "kk" | "kaz" => Some(Locale::Kk),
            "ru" | "rus" => Some(Locale::Ru),
            "en" | "eng" => Some(Locale::En),
            _ => None,
        }
    }

    /// [`Locale::from_tag`], or English when the tag names none of the three.
    pub fn from_tag_or_fallback(tag: &str) -> Locale {
        Self::from_tag(tag).unwrap_or(Self::FALLBACK)
    }

    /// The language of messages in this process's environment, by POSIX
    /// precedence: the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is
    /// set and not empty decides; `None` when that one is `C`, `POSIX` or
    /// another language, or when none is set.
    pub fn from_env() -> Option<Locale> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// [`Locale::from_env`] over any source of variables (tests, or a
    /// child's environment).
    pub fn from_env_with(var: impl Fn(&str) -> Option<String>) -> Option<Locale> {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(var)
            .find(|value| !value.trim().is_empty())
            .and_then(|value| Self::from_tag(&value))
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A tag that names none of qoltanba's languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLocale(pub String);

impl fmt::Display for UnknownLocale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown language {:?}; use kk (Kazakh), ru (Russian) or en (English)",
            self.0
        )
    }
}

impl std::error::Error for UnknownLocale {}

impl FromStr for Locale {
    type Err = UnknownLocale;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_tag(s).ok_or_else(|| UnknownLocale(s.chars().take(32).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_the_language_whatever_the_region_or_encoding() {
        for (tag, want) in [
            ("kk", Some(Locale::Kk)),
            ("kk-KZ", Some(Locale::Kk)),
            ("kk_KZ.UTF-8", Some(Locale::Kk)),
            ("KK-Cyrl-KZ", Some(Locale::Kk)),
            ("kaz", Some(Locale::Kk)),
            ("ru", Some(Locale::Ru)),
            ("ru-KZ", Some(Locale::Ru)),
            ("ru_RU.UTF-8", Some(Locale::Ru)),
            ("ru_RU@euro", Some(Locale::Ru)),
            ("en", Some(Locale::En)),
            ("en_US.utf8", Some(Locale::En)),
            (" en-GB ", Some(Locale::En)),
            ("C", None),
            ("C.UTF-8", None),
            ("POSIX", None),
            ("de_DE.UTF-8", None),
            ("", None),
            ("kkk", None),
            ("ә", None),
        ] {
            assert_eq!(Locale::from_tag(tag), want, "{tag:?}");
        }
        assert_eq!(Locale::from_tag_or_fallback("uz-UZ"), Locale::En);
        assert_eq!("ru".parse::<Locale>(), Ok(Locale::Ru));
        assert!(
            "fr".parse::<Locale>()
                .unwrap_err()
                .to_string()
                .contains("kk")
        );
        for locale in Locale::ALL {
            assert_eq!(Locale::from_tag(locale.tag()), Some(locale));
            assert_eq!(locale.to_string(), locale.tag());
        }
    }

    #[test]
    fn the_environment_follows_posix_precedence() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Locale::from_env_with(env(&[])), None);
        assert_eq!(
            Locale::from_env_with(env(&[("LANG", "ru_RU.UTF-8")])),
            Some(Locale::Ru)
        );
        assert_eq!(
            Locale::from_env_with(env(&[
                ("LANG", "ru_RU.UTF-8"),
                ("LC_MESSAGES", "kk_KZ.UTF-8")
            ])),
            Some(Locale::Kk)
        );
        assert_eq!(
            Locale::from_env_with(env(&[("LC_ALL", "en_US.UTF-8"), ("LC_MESSAGES", "kk_KZ")])),
            Some(Locale::En)
        );
        // An empty variable is unset; C in force means no language of ours.
        assert_eq!(
            Locale::from_env_with(env(&[("LC_ALL", ""), ("LANG", "kk_KZ")])),
            Some(Locale::Kk)
        );
        assert_eq!(
            Locale::from_env_with(env(&[("LC_ALL", "C"), ("LANG", "kk_KZ")])),
            None
        );
    }
}
