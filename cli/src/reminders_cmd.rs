//! `qoltanba reminders`: what this device reminds the citizen of, computed
//! by `core::reminders` from the certificates the local store knows.

use qoltanba_core::reminders::{DEFAULT_OFFSETS, Reminder, due, schedule};
use qoltanba_core::store::{Store, StoreError};
use serde_json::json;
use time::OffsetDateTime;

use crate::error::CliError;
use crate::output::say;
use crate::{Context, output};

fn line(r: &Reminder) -> String {
    format!("{} | {} ({})", r.title, r.body, r.deep_link())
}

/// The reminders due now, one line each.
pub fn due_lines(store: &Store, now: OffsetDateTime) -> Result<Vec<String>, StoreError> {
    Ok(due(&store.tracked_certificates()?, now, &DEFAULT_OFFSETS)
        .iter()
        .map(line)
        .collect())
}

pub fn run(ctx: &Context) -> Result<(), CliError> {
    let store = crate::store::open_store()?;
    let certs = store.tracked_certificates().map_err(CliError::said)?;
    let now_due = due(&certs, ctx.at, &DEFAULT_OFFSETS);
    let upcoming = schedule(&certs, ctx.at, &DEFAULT_OFFSETS);
    if ctx.json {
        let view = |r: &Reminder| {
            json!({
                "id": r.id(),
                "serial": r.serial,
                "fire_at": r.fire_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                "title": r.title,
                "body": r.body,
                "deep_link": r.deep_link(),
            })
        };
        return output::json(&json!({
            "due": now_due.iter().map(view).collect::<Vec<_>>(),
            "scheduled": upcoming.iter().map(view).collect::<Vec<_>>(),
        }));
    }
    if now_due.is_empty() {
        say!("Nothing is due now.");
    }
    for r in &now_due {
        say!("due: {}", line(r));
    }
    for r in upcoming.iter().take(6) {
        say!("scheduled {}: {}", r.fire_at.date(), r.title);
    }
    Ok(())
}
