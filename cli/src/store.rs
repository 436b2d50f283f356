//! The local database the commands share (certificates seen, renewals under
//! way, reminders): where it lives and how it is opened. Below the commands,
//! so `card`, `renew` and `reminders` all open it the same way.

use std::path::PathBuf;

use qoltanba_core::store::Store;

use crate::error::CliError;

/// The local database: `QOLTANBA_DB`, else `~/.local/share/qoltanba/qoltanba.db`.
pub fn open_store() -> Result<Store, CliError> {
    let path = match std::env::var_os("QOLTANBA_DB") {
        Some(p) => PathBuf::from(p),
        None => {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| ".".into());
            home.join(".local/share/qoltanba/qoltanba.db")
        }
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| CliError::io(&format!("creating {}", parent.display()), e))?;
    }
    Store::open(&path).map_err(CliError::said)
}
