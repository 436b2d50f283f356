//! What the layer's integration tests share: an NCA test key file as a key
//! source that counts its openings (the witness that no key was touched)
//! and its probes, and the citizen typing its password.
#![allow(dead_code)] // each test file uses its own part of this

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use qoltanba_core::renewal::{FileHome, KeyHome, RenewalUi};
use qoltanba_l10n::Text;
use qoltanba_layer::keys::{KeySource, KeySourceError, OpenedKey};
use qoltanba_pki::keyfile::{NewPassword, Password};

/// The NCA test key files' password.
pub const PASSWORD: &str = "Qwerty12";

/// The password, as the citizen types it.
pub struct Typed;

impl RenewalUi for Typed {
    fn current_password(&mut self, _file: &Path) -> Option<Password> {
        Some(Password::new(PASSWORD))
    }
    fn new_password(&mut self) -> Option<NewPassword> {
        None
    }
    fn code(&mut self, _number: i64, _sent_to: Option<&str>) -> Option<String> {
        None
    }
    fn progress(&mut self, _message: &Text) {}
}

/// An NCA test key file; counts how often it was opened. `hardware`: it
/// stands in for a card or token (whose presence pages may ask about),
/// counting how often it was probed.
pub struct TestKeyFile {
    pub path: PathBuf,
    pub opened: Arc<AtomicUsize>,
    pub hardware: bool,
    pub probed: Arc<AtomicUsize>,
}

impl TestKeyFile {
    /// The key file at `path`, counting its openings in `opened`.
    pub fn new(path: PathBuf, opened: Arc<AtomicUsize>) -> Self {
        Self {
            path,
            opened,
            hardware: false,
            probed: Arc::default(),
        }
    }
}

impl KeySource for TestKeyFile {
    fn storage(&self) -> &str {
        "PKCS12"
    }
    fn is_hardware(&self) -> bool {
        self.hardware
    }
    fn is_present(&mut self) -> bool {
        self.probed.fetch_add(1, Ordering::SeqCst);
        true
    }
    fn label(&self) -> String {
        let name = self.path.file_name().unwrap_or_default();
        format!("key file {}", name.to_string_lossy())
    }
    fn open(&mut self) -> Result<Vec<OpenedKey>, KeySourceError> {
        self.opened.fetch_add(1, Ordering::SeqCst);
        let (signer, certificate) = FileHome::new(PathBuf::new())
            .open_current(&self.path, &mut Typed)
            .map_err(|e| KeySourceError::Failed(e.to_string()))?;
        Ok(vec![OpenedKey {
            label: self.label(),
            signer,
            certificate,
        }])
    }
}
