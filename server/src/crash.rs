//! Named crash points for the kill -9 campaign (tests/tests/ra_crash.rs):
//! with the feature `crash-points` (which only the end-to-end test crate
//! turns on; a product build never has it) the RA kills itself with
//! SIGKILL where `QOLTANBA_RA_CRASH_AT` names the point it reaches, so the
//! campaign can stop it in each window between two of its writes. Without
//! the feature [`point`] is empty and the variable is never read.

/// The crash points, in the order a renewal reaches them.
pub const POINTS: &[&str] = &[
    // submit's transaction committed, the code not yet sent.
    "submit-committed",
    // The code accepted and committed, the application not yet approved.
    "confirm-committed",
    // The certificates signed, nothing about them written yet.
    "issue-signed",
    // The approval written, its issuance not yet committed.
    "approved",
    // The issuance committed, the answer not yet sent.
    "issue-committed",
];

/// Die here, as `kill -9` would, if `QOLTANBA_RA_CRASH_AT` names `name`.
#[cfg(feature = "crash-points")]
pub fn point(name: &str) {
    if std::env::var("QOLTANBA_RA_CRASH_AT").is_ok_and(|at| at.split(',').any(|p| p == name)) {
        // SIGKILL, not a panic or an exit: no destructor, no flush, no
        // rollback runs, exactly what an operator's kill -9 leaves.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &std::process::id().to_string()])
            .status();
        std::process::abort();
    }
}

/// Without the feature `crash-points`: nothing.
#[cfg(not(feature = "crash-points"))]
#[inline(always)]
pub fn point(_name: &str) {}
