//! NCA key files: PKCS#12 in NCA's legacy profile and a modern one, the
//! passwords that open them and NCA's rule for new ones, their file names.
//! (The phone's keystore is the device core's `keystore`; the ID card's keys
//! are qoltanba-card's `keystore`.)
//!
//! # Key files
//! ```text
//! // Open (any password text; NCA's rule applies to new passwords only).
//! KeyFile::open(path: impl AsRef<Path>, &Password) -> Result<KeyFile, KeyFileError>
//! KeyFile::from_bytes(&[u8], &Password) -> Result<KeyFile, KeyFileError>
//! file.private_key_pkcs8() -> &Zeroizing<Vec<u8>>   // PKCS#8 DER
//! file.certificate_der() -> Option<&[u8]>            // the key's certificate
//! file.require_certificate() -> Result<&[u8], KeyFileError> // or NoCertificate
//! file.chain_der() -> &[Vec<u8>]                     // the other certificates
//! file.friendly_name() -> Option<&str>               // NCA: SKI in lower-case hex
//! file.local_key_id() -> Option<&[u8]>
//! file.profile() -> Profile                          // Nca | Modern
//! file.protection() -> Option<&Protection>           // algorithms, as openssl names them
//!
//! // Write (only under a password that passed NCA's rule).
//! KeyFile::new(pkcs8: &[u8], certificate: Option<Vec<u8>>, key_id: &[u8]) -> KeyFile
//! file.set_certificate(Vec<u8>); file.set_chain(Vec<Vec<u8>>); file.set_friendly_name(Option<String>)
//! file.to_bytes(Profile, &NewPassword) -> Result<Vec<u8>, KeyFileError>
//! change_password(path, old: &Password, new: &NewPassword) -> Result<(), KeyFileError>
//!
//! // Names and files.
//! file_name(KeyFileKind, key_id: &[u8]) -> String    // GOST512_<40 hex>.p12, ...
//! parse_file_name(&str) -> Option<(KeyFileKind, Vec<u8>)>
//! key_id(&SubjectPublicKeyInfoOwned) -> [u8; 20]
//! save_new(dir, name: &str, bytes: &[u8]) -> Result<PathBuf, KeyFileError> // never overwrites
//! save_new_set(dir, &[(name, bytes)]) -> Result<Vec<PathBuf>, KeyFileError> // all or none
//! replace(path, bytes: &[u8]) -> Result<(), KeyFileError>                 // atomic
//! import_key_file(source, &Password, dir) -> Result<ImportedKeyFile, KeyFileError> // checked copy
//!
//! // Passwords.
//! Password::new(impl Into<String>) / From<String> / From<&str>
//! NewPassword::new(Password) -> Result<NewPassword, PasswordRuleError>
//! ```
//!
//! Every error is a [`KeyFileError`] whose message is one line: what is wrong
//! and what to do. None carries a password or key bytes. docs/key-files.md
//! has the algorithms, profiles and measured costs.

mod error;
mod fs;
mod import;
mod naming;
mod password;
pub mod pkcs12;
mod random;

pub use error::KeyFileError;
pub use fs::{replace, save_new, save_new_set};
pub use import::{ImportedKeyFile, import_key_file};
pub use naming::{KeyFileKind, file_name, key_id, parse_file_name};
pub use password::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, NewPassword, Password, PasswordRuleError,
};
pub use pkcs12::{KeyFile, Profile, Protection, change_password};
