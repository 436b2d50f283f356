//! The real `openssl` binary, the independent peer of the interop tests.
//! A missing binary fails the test: interop is the point of these tests, so
//! they must never pass without it.

use std::path::Path;
use std::process::{Command, Output};

/// Run `openssl args…` in `dir`, whatever its exit status.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("the openssl binary is needed for the interop tests ({e}); install it, e.g. apt-get install openssl")
        })
}

/// Run `openssl args…` in `dir`; it must succeed.
pub fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// What openssl printed: standard output, then standard error.
pub fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}
