//! Taking a key file the citizen already has into the app's own folder.
//!
//! The original may sit in Downloads, in a messenger's cache or on a USB
//! stick the citizen will take away; the app keeps its own copy, byte for
//! byte (the file's protection is NCA's, and re-encrypting it would need the
//! new-password rule the citizen did not ask for).

use std::path::{Path, PathBuf};

use super::{KeyFile, KeyFileError, Password, save_new};

/// A key file copied into the app's folder.
#[derive(Debug, Clone)]
pub struct ImportedKeyFile {
    /// Where the copy is.
    pub path: PathBuf,
    /// The certificate of its key (DER).
    pub certificate: Vec<u8>,
}

/// Copy the key file at `source` into `dir` under its own name, after
/// checking that `password` opens it and that it holds a certificate. Never
/// overwrites: a file of that name in `dir` is
/// [`KeyFileError::AlreadyExists`].
pub fn import_key_file(
    source: &Path,
    password: &Password,
    dir: &Path,
) -> Result<ImportedKeyFile, KeyFileError> {
    let bytes = std::fs::read(source).map_err(|e| KeyFileError::io(source, e))?;
    let file = KeyFile::from_bytes(&bytes, password)?;
    let certificate = file.require_certificate()?.to_vec();
    let name = source.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        KeyFileError::io(
            source,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "no usable file name"),
        )
    })?;
    let path = save_new(dir, name, &bytes)?;
    Ok(ImportedKeyFile { path, certificate })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NCA's real key file, built into the test (unit tests cannot use the
    /// test kit, which links this crate again) and written where the test
    /// imports it from.
    fn fixture() -> PathBuf {
        static SOURCE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
        let dir = SOURCE.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join("gost1.p12"),
                include_bytes!("../../../testdata/nca-test/gokalkan/gost1.p12"),
            )
            .unwrap();
            dir
        });
        dir.path().join("gost1.p12")
    }

    #[test]
    fn imports_a_copy_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let password = Password::from("Qwerty12");
        let imported = import_key_file(&fixture(), &password, dir.path()).unwrap();
        assert_eq!(imported.path, dir.path().join("gost1.p12"));
        assert_eq!(
            std::fs::read(&imported.path).unwrap(),
            std::fs::read(fixture()).unwrap()
        );
        assert!(!imported.certificate.is_empty());
        let again = import_key_file(&fixture(), &password, dir.path()).unwrap_err();
        assert!(matches!(again, KeyFileError::AlreadyExists(_)), "{again}");
    }

    #[test]
    fn a_wrong_password_copies_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let e = import_key_file(&fixture(), &Password::from("Qwerty13"), dir.path()).unwrap_err();
        assert!(matches!(e, KeyFileError::WrongPassword), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let e = import_key_file(
            &dir.path().join("none.p12"),
            &Password::from("x"),
            dir.path(),
        )
        .unwrap_err();
        assert!(matches!(e, KeyFileError::Io { .. }), "{e}");
    }
}
