//! Standard output, the one place qoltanba's binaries (`qoltanba`,
//! `qoltanba-ra`) print through. `println!` panics when a write fails; here
//! a failed write is a value:
//!
//! - the reader went away (EPIPE: `qoltanba keys show … | head -1`) is
//!   [`OutputError::Closed`]: not an error to report. The binaries exit
//!   quietly with [`BROKEN_PIPE_EXIT`] (141 = 128 + SIGPIPE), the status a
//!   shell shows for a program the signal ended, as `cat` or `grep` would;
//! - a full disk (ENOSPC, EDQUOT: `> /dev/full`, a redirect onto a full
//!   file system) is [`OutputError::DiskFull`], said as such;
//! - anything else is [`OutputError::Failed`] with the system's reason.
//!
//! Why here: the words for the errors live in this crate, and it is the
//! one crate below both binaries.

use std::io::{self, Write};

use crate::{Localize, Text};

/// The exit status after the reader of standard output went away.
pub const BROKEN_PIPE_EXIT: u8 = 141;

/// Why standard output could not be written.
#[derive(Debug)]
pub enum OutputError {
    /// The reading end was closed (EPIPE); exit quietly with
    /// [`BROKEN_PIPE_EXIT`].
    Closed,
    /// The disk (or the quota) is full.
    DiskFull,
    /// Another failure, with the system's reason.
    Failed(io::Error),
}

impl OutputError {
    /// Sort a write error into the three cases.
    pub fn from_io(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Self::Closed
        } else if is_disk_full(&e) {
            Self::DiskFull
        } else {
            Self::Failed(e)
        }
    }
}

/// Whether a write failed because the disk or the user's quota is full
/// (ENOSPC, EDQUOT): worth its own words, never "check the permissions".
pub fn is_disk_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

impl Localize for OutputError {
    fn text(&self) -> Text {
        match self {
            Self::Closed => Text::new("error-output-closed"),
            Self::DiskFull => Text::new("error-output-disk-full"),
            Self::Failed(e) => Text::new("error-output-failed").arg("reason", e.to_string()),
        }
    }
}

/// English, as logs and `Display` speak it; shells render [`Localize::text`].
impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.localize(crate::Locale::En))
    }
}

impl std::error::Error for OutputError {}

/// Write `text` to standard output and flush it, so that a failure shows
/// here and not later, when nobody can say it any more.
pub fn print(text: &str) -> Result<(), OutputError> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(OutputError::from_io)
}

/// Write `line` and a newline to standard output (see [`print`]).
pub fn print_line(line: &str) -> Result<(), OutputError> {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    print(&text)
}

/// Write `line` and a newline to standard error, the last word of a failing
/// program: a closed or full standard error leaves nobody to tell, so its
/// failure is dropped (`eprintln!` would panic).
pub fn print_error_line(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{line}").and_then(|()| err.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_errors_are_sorted_into_closed_disk_full_and_other() {
        let closed = OutputError::from_io(io::ErrorKind::BrokenPipe.into());
        assert!(matches!(closed, OutputError::Closed));
        let full = OutputError::from_io(io::Error::from_raw_os_error(28)); // ENOSPC
        assert!(matches!(full, OutputError::DiskFull));
        assert_eq!(
            full.to_string(),
            "cannot write the output: the disk is full; free some space or write elsewhere"
        );
        let other = OutputError::from_io(io::ErrorKind::PermissionDenied.into());
        assert!(matches!(other, OutputError::Failed(_)));
    }
}
