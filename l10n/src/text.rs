//! A text to show: a message id and its named arguments, rendered later in
//! whichever locale the reader has.

/// The value of one argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Shown as given (a serial number, a path, a date already formatted).
    Str(String),
    /// A number: plural forms select on it (CLDR rules of the locale).
    Number(f64),
    /// Another text, rendered in the same locale first (the reason inside
    /// "the key file … cannot be used: …").
    Text(Box<Text>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Str(v.to_owned())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Str(v)
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Str(v.clone())
    }
}

impl From<Text> for Arg {
    fn from(v: Text) -> Self {
        Arg::Text(Box::new(v))
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                // Counts and sizes, far below 2^53: exact as f64.
                Arg::Number(v as f64)
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i8, i16, i32, i64, f64);

/// A message id (`error-wrong-password`) and its named arguments: what the
/// core says, before it is put in words. [`crate::render`] puts it in the
/// words of a locale.
///
/// Arguments carry facts (counts, serial numbers, dates, paths), never a
/// secret: a text may be logged or shown on the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    id: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Text {
    /// The text of the message `id`, without arguments yet.
    pub fn new(id: &'static str) -> Self {
        Self {
            id,
            args: Vec::new(),
        }
    }

    /// The same text with the argument `name` (the Fluent variable `$name`)
    /// set to `value`; a second value for the same name replaces the first.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        let value = value.into();
        match self.args.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.args.push((name, value)),
        }
        self
    }

    /// The message id: stable, and the same in every catalog.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The arguments, in the order they were set.
    pub fn args(&self) -> &[(&'static str, Arg)] {
        &self.args
    }
}

/// Something that has words for people: an error, a step, a status. The
/// shells render its [`text`](Localize::text) in the reader's locale.
pub trait Localize {
    /// What to say, as a message id and its arguments.
    fn text(&self) -> Text;

    /// The text in the words of `locale`.
    fn localize(&self, locale: crate::Locale) -> String {
        crate::render(locale, &self.text())
    }
}

/// An error's stable code for programs (logs, analytics, tests), beside the
/// words for people. By convention it is the message id of the variant
/// (`error-key-file-wrong-password`), so one name finds the variant, its
/// code and its words in the three catalogs; it never changes with the
/// arguments or the language.
pub trait ErrorCode {
    fn code(&self) -> &'static str;
}

impl<T: Localize + ?Sized> ErrorCode for T {
    fn code(&self) -> &'static str {
        self.text().id()
    }
}
