//! `qoltanba reminders`: what this device should remind the citizen of.

use qoltanba_core::store::{Store, StoreError};
use serde_json::json;
use time::OffsetDateTime;

use crate::error::CliError;
use crate::{Context, output};

/// Reminder lines for the certificates the store knows that expire within
/// 30 days (or have expired) and are not replaced.
pub fn due_lines(store: &Store, now: OffsetDateTime) -> Result<Vec<String>, StoreError> {
    let mut lines = Vec::new();
    for c in store.certificates()? {
        if c.replaced {
            continue;
        }
        let days = (c.not_after - now.unix_timestamp()).div_euclid(86_400);
        if days < 0 {
            lines.push(format!(
                "{} certificate {} has expired: renew it",
                c.purpose, c.serial
            ));
        } else if days <= 30 {
            lines.push(format!(
                "{} certificate {} expires in {days} days: renew it (qoltanba://renew?serial={})",
                c.purpose, c.serial, c.serial
            ));
        }
    }
    Ok(lines)
}

pub fn run(ctx: &Context) -> Result<(), CliError> {
    let store = crate::renew::open_store()?;
    let lines = due_lines(&store, ctx.at).map_err(CliError::failed)?;
    if ctx.json {
        return output::json(&json!({ "due": lines }));
    }
    if lines.is_empty() {
        println!("Nothing to renew soon.");
    }
    for line in lines {
        println!("{line}");
    }
    Ok(())
}
