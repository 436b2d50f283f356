//! The independent GOST R 34.10-2012 peer: the PyPI package `gostcrypto`,
//! driven by `peers/gost_peer.py` beside this crate (scripts/test.sh installs
//! the package).

use std::path::PathBuf;
use std::process::Command;

/// The driver script.
pub fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers/gost_peer.py")
}

/// Whether the peer can run. Where `QOLTANBA_REQUIRE_PEERS` is set (CI) a
/// missing peer fails the test; elsewhere the caller skips, with a message.
pub fn available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import gostcrypto"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("QOLTANBA_REQUIRE_PEERS").is_none(),
            "the GOST peer (python3 + gostcrypto) is required here but missing; run: python3 -m pip install gostcrypto==1.2.5"
        );
        eprintln!(
            "SKIPPED: the independent GOST peer is not installed; run: python3 -m pip install gostcrypto==1.2.5"
        );
    }
    ok
}

/// Run the peer: whether it answered yes (exit 0) or no (exit 1), and what
/// it printed. Any other exit fails the test.
pub fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new("python3")
        .arg(script())
        .args(args)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "gost_peer.py {args:?} failed: {stderr}"
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    )
}
