//! The NCA test files and the published vectors, in the repository's
//! `testdata/` (testdata/README.md says where each came from).

use std::path::{Path, PathBuf};

/// The fixtures folder: `QOLTANBA_FIXTURES` when set, else the
/// repository's `testdata/`.
pub fn root() -> PathBuf {
    std::env::var_os("QOLTANBA_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata"))
}

/// A file below the fixtures folder, e.g. `nca-test/gokalkan/gost1.p12`.
pub fn path(relative: &str) -> PathBuf {
    root().join(relative)
}

/// The bytes of a fixture file; panics (in a test) naming the file.
pub fn read(relative: &str) -> Vec<u8> {
    let path = path(relative);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("the fixture {} cannot be read: {e}", path.display()))
}
