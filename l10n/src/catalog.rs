//! The three catalogs, their bundles, and rendering a [`Text`].

use std::collections::BTreeSet;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;

use crate::{Arg, Locale, Text};

/// The catalogs as shipped: embedded, so a binary needs no files beside it.
fn source(locale: Locale) -> &'static str {
    match locale {
        Locale::Kk => include_str!("../locales/kk/qoltanba.ftl"),
        Locale::Ru => include_str!("../locales/ru/qoltanba.ftl"),
        Locale::En => include_str!("../locales/en/qoltanba.ftl"),
    }
}

type Bundle = FluentBundle<FluentResource>;

/// The bundle of a locale, built once per process. A catalog with syntax
/// errors still yields the messages that parse (the tests keep every
/// catalog free of errors, so this is for a broken build only).
fn bundle(locale: Locale) -> &'static Bundle {
    static BUNDLES: [OnceLock<Bundle>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    BUNDLES[index(locale)].get_or_init(|| {
        let resource = FluentResource::try_new(source(locale).to_owned())
            .unwrap_or_else(|(partial, _errors)| partial);
        let language = locale.tag().parse().unwrap_or_default();
        let mut bundle = Bundle::new_concurrent(vec![language]);
        // The texts go to terminals, notifications, e-mails and SMS, where
        // Unicode isolation marks show up as stray characters.
        bundle.set_use_isolating(false);
        // Only a duplicate id fails here; the tests keep ids unique.
        let _ = bundle.add_resource(resource);
        bundle
    })
}

fn index(locale: Locale) -> usize {
    match locale {
        Locale::Kk => 0,
        Locale::Ru => 1,
        Locale::En => 2,
    }
}

/// Why a text did not render cleanly (see [`try_render`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// The locale's catalog has no message with this id.
    NoMessage { locale: Locale, id: String },
    /// The message exists but Fluent reported problems (a missing
    /// argument, an unknown term): their descriptions, which name
    /// variables and ids, never argument values.
    Fluent {
        locale: Locale,
        id: String,
        errors: Vec<String>,
    },
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoMessage { locale, id } => write!(f, "no message {id} in the {locale} catalog"),
            Self::Fluent { locale, id, errors } => {
                write!(f, "message {id} in {locale}: {}", errors.join("; "))
            }
        }
    }
}

impl std::error::Error for RenderError {}

/// The text in the words of `locale`, strictly: any Fluent problem is an
/// error. The catalog tests use this; the shells use [`render`].
pub fn try_render(locale: Locale, text: &Text) -> Result<String, RenderError> {
    let bundle = bundle(locale);
    let pattern = bundle
        .get_message(text.id())
        .and_then(|m| m.value())
        .ok_or_else(|| RenderError::NoMessage {
            locale,
            id: text.id().to_owned(),
        })?;
    let mut args = FluentArgs::new();
    for (name, value) in text.args() {
        let value = match value {
            Arg::Str(s) => FluentValue::from(s.as_str()),
            Arg::Number(n) => FluentValue::from(*n),
            Arg::Text(inner) => FluentValue::from(try_render(locale, inner)?),
        };
        args.set(*name, value);
    }
    let mut errors = Vec::new();
    let out = bundle.format_pattern(pattern, Some(&args), &mut errors);
    if errors.is_empty() {
        Ok(out.into_owned())
    } else {
        Err(RenderError::Fluent {
            locale,
            id: text.id().to_owned(),
            errors: errors.iter().map(|e| e.to_string()).collect(),
        })
    }
}

/// The text in the words of `locale`. Never fails and never panics:
/// - a message missing from the locale's catalog is taken from the English
///   one (a newer message not translated yet), and failing that the id
///   itself is shown, so a screen says *something* a support desk can look up;
/// - a missing argument shows as `{$name}` in place, the rest of the
///   sentence intact.
///
/// Either case logs a warning with the id and the problem, which name no
/// argument value.
pub fn render(locale: Locale, text: &Text) -> String {
    match try_render(locale, text) {
        Ok(out) => out,
        Err(RenderError::NoMessage { .. }) if locale != Locale::FALLBACK => {
            tracing::warn!(id = text.id(), %locale, "message missing; shown in English");
            render(Locale::FALLBACK, text)
        }
        Err(RenderError::NoMessage { .. }) => {
            tracing::warn!(id = text.id(), "message missing from every catalog");
            text.id().to_owned()
        }
        Err(e @ RenderError::Fluent { .. }) => {
            tracing::warn!(error = %e, "message rendered with problems");
            lenient(locale, text)
        }
    }
}

/// Fluent's own best effort, problems ignored (see [`render`]).
fn lenient(locale: Locale, text: &Text) -> String {
    let bundle = bundle(locale);
    let Some(pattern) = bundle.get_message(text.id()).and_then(|m| m.value()) else {
        return text.id().to_owned();
    };
    let mut args = FluentArgs::new();
    for (name, value) in text.args() {
        let value = match value {
            Arg::Str(s) => FluentValue::from(s.as_str()),
            Arg::Number(n) => FluentValue::from(*n),
            Arg::Text(inner) => FluentValue::from(render(locale, inner)),
        };
        args.set(*name, value);
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&args), &mut errors)
        .into_owned()
}

/// Whether the locale's catalog has the message `id`.
pub fn has_message(locale: Locale, id: &str) -> bool {
    bundle(locale).has_message(id)
}

/// Every message id in the locale's catalog (terms, whose ids start with
/// `-`, are the catalog's own and not listed), in catalog order.
pub fn message_ids(locale: Locale) -> Vec<&'static str> {
    parsed(locale)
        .entries()
        .filter_map(|entry| match entry {
            ast::Entry::Message(m) => Some(m.id.name),
            _ => None,
        })
        .collect()
}

/// The variables (`$name`, without the `$`) the message `id` uses in the
/// locale's catalog, its attributes included; `None` when there is no such
/// message. The catalog tests compare these across the three catalogs.
pub fn variables(locale: Locale, id: &str) -> Option<BTreeSet<&'static str>> {
    let message = parsed(locale).entries().find_map(|entry| match entry {
        ast::Entry::Message(m) if m.id.name == id => Some(m),
        _ => None,
    })?;
    let mut out = BTreeSet::new();
    if let Some(value) = &message.value {
        pattern_variables(value, &mut out);
    }
    for attribute in &message.attributes {
        pattern_variables(&attribute.value, &mut out);
    }
    Some(out)
}

/// The parse of the embedded catalog, for [`message_ids`] and [`variables`]
/// (the bundle does not expose its entries).
fn parsed(locale: Locale) -> &'static FluentResource {
    static PARSED: [OnceLock<FluentResource>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    PARSED[index(locale)].get_or_init(|| {
        FluentResource::try_new(source(locale).to_owned()).unwrap_or_else(|(partial, _)| partial)
    })
}

/// The syntax errors of the locale's catalog, as `line: error` strings.
pub fn syntax_errors(locale: Locale) -> Vec<String> {
    let text = source(locale);
    match FluentResource::try_new(text.to_owned()) {
        Ok(_) => Vec::new(),
        Err((_, errors)) => errors
            .iter()
            .map(|e| {
                let line = text[..e.pos.start.min(text.len())].lines().count();
                format!("line {line}: {:?}", e.kind)
            })
            .collect(),
    }
}

fn pattern_variables(pattern: &ast::Pattern<&'static str>, out: &mut BTreeSet<&'static str>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_variables(expression, out);
        }
    }
}

fn expression_variables(
    expression: &ast::Expression<&'static str>,
    out: &mut BTreeSet<&'static str>,
) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_variables(selector, out);
            for variant in variants {
                pattern_variables(&variant.value, out);
            }
        }
        ast::Expression::Inline(inline) => inline_variables(inline, out),
    }
}

fn inline_variables(
    inline: &ast::InlineExpression<&'static str>,
    out: &mut BTreeSet<&'static str>,
) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name);
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for positional in &arguments.positional {
                inline_variables(positional, out);
            }
            for named in &arguments.named {
                inline_variables(&named.value, out);
            }
        }
        ast::InlineExpression::Placeable { expression } => expression_variables(expression, out),
        // A term's own arguments are literals given here; its variables are its own.
        _ => {}
    }
}
