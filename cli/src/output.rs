//! Printing data for people and for machines: the CLI's one way to
//! standard output. Every line goes through [`line`] (or the [`say!`]
//! macro), which never panics: a reader that went away (`| head`) ends the
//! command quietly with status 141, a full disk is said as such
//! (`qoltanba_l10n::stdout`; docs/bad-input.md, "The command line").

use qoltanba_pki::cert::{CertificateSummary, TimeStatus};
use serde::Serialize;

use crate::error::CliError;

/// `say!("format", args…)`: one line on standard output, or return the
/// failure as a [`CliError`] from the enclosing function.
macro_rules! say {
    () => {
        $crate::output::line("")?
    };
    ($($arg:tt)*) => {
        $crate::output::line(&format!($($arg)*))?
    };
}
pub(crate) use say;

/// `note!("format", args…)`: one line on standard output where no error can
/// be returned (progress callbacks): a failure is kept, and the command's
/// exit status says it in the end ([`take_failure`]).
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::output::line_or_keep(&format!($($arg)*))
    };
}
pub(crate) use note;

/// `tell!("format", args…)`: one line on standard error (prompts, warnings);
/// a closed or full standard error is ignored, never a panic.
macro_rules! tell {
    ($($arg:tt)*) => {
        qoltanba_l10n::stdout::print_error_line(&format!($($arg)*))
    };
}
pub(crate) use tell;

/// Print one line on standard output.
pub fn line(text: &str) -> Result<(), CliError> {
    qoltanba_l10n::stdout::print_line(text).map_err(CliError::output)
}

/// The first failure of [`line_or_keep`], for the exit status.
static KEPT_FAILURE: std::sync::Mutex<Option<qoltanba_l10n::stdout::OutputError>> =
    std::sync::Mutex::new(None);

/// Print one line; on failure keep the first one for [`take_failure`].
/// Nothing more is written once standard output failed.
pub fn line_or_keep(text: &str) {
    let Ok(mut kept) = KEPT_FAILURE.lock() else {
        return;
    };
    if kept.is_none()
        && let Err(e) = qoltanba_l10n::stdout::print_line(text)
    {
        *kept = Some(e);
    }
}

/// The kept failure of standard output, if a line could not be written.
pub fn take_failure() -> Option<CliError> {
    KEPT_FAILURE
        .lock()
        .ok()
        .and_then(|mut kept| kept.take())
        .map(CliError::output)
}

/// Print `value` as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(CliError::failed)?;
    line(&text)
}

/// Print aligned "label: value" lines.
pub fn fields(rows: &[(&str, String)]) -> Result<(), CliError> {
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (label, value) in rows {
        say!(
            "{label:<width$}  {value}",
            width = width + 1,
            label = format!("{label}:")
        );
    }
    Ok(())
}

/// The rows that describe one certificate, as `keys show` prints them.
pub fn certificate_rows(s: &CertificateSummary) -> Vec<(&'static str, String)> {
    let mut rows = vec![(
        "Holder",
        s.holder.clone().unwrap_or_else(|| "(no name)".into()),
    )];
    rows.push((
        "IIN",
        match (&s.iin, &s.iin_problem) {
            (None, _) => "(none)".into(),
            (Some(iin), None) => format!("{iin} (valid)"),
            (Some(iin), Some(problem)) => format!("{iin} ({problem})"),
        },
    ));
    if let Some(org) = &s.organisation {
        rows.push(("Organisation", org.clone()));
    }
    if let Some(bin) = &s.bin {
        let valid = if s.bin_valid == Some(true) {
            "valid"
        } else {
            "not a valid BIN"
        };
        rows.push(("BIN", format!("{bin} ({valid})")));
    }
    if let Some(email) = &s.email {
        rows.push(("E-mail", email.clone()));
    }
    rows.push(("Purpose", s.purpose.to_string()));
    rows.push(("Algorithm", s.key_algorithm.clone()));
    let state = match s.status {
        TimeStatus::Valid => format!("valid, {} days left", s.days_left),
        TimeStatus::Expired => format!("EXPIRED {} days ago", -s.days_left),
        TimeStatus::NotYetValid => "NOT YET VALID".to_string(),
    };
    rows.push((
        "Validity",
        format!("{} .. {} ({state})", date(s.not_before), date(s.not_after)),
    ));
    rows.push(("Issuer", s.issuer.clone()));
    rows.push((
        "Roles",
        if s.roles.is_empty() {
            "(none)".into()
        } else {
            s.roles
                .iter()
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join(", ")
        },
    ));
    rows.push(("Serial", s.serial.clone()));
    if let Some(ski) = &s.subject_key_id {
        rows.push(("Key ID", ski.clone()));
    }
    rows
}

fn date(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}
