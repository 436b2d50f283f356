#![doc = include_str!("../README.md")]

mod catalog;
mod locale;
pub mod stdout;
mod text;

pub use catalog::{
    RenderError, has_message, message_ids, render, syntax_errors, try_render, variables,
};
pub use locale::{Locale, UnknownLocale};
pub use text::{Arg, ErrorCode, Localize, Text};
