//! Printing data for people and for machines.

use qoltanba_pki::cert::{CertificateSummary, TimeStatus};
use serde::Serialize;

use crate::error::CliError;

/// Print `value` as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(CliError::failed)?;
    println!("{text}");
    Ok(())
}

/// Print aligned "label: value" lines.
pub fn fields(rows: &[(&str, String)]) {
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (label, value) in rows {
        println!(
            "{label:<width$}  {value}",
            width = width + 1,
            label = format!("{label}:")
        );
    }
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
