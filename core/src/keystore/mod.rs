//! Where keys live. Today: NCA key files (PKCS#12); the platform keystore and
//! the ID card join behind the same `Signer` in their own issues.
//!
//! - [`KeyFile`]: read/write PKCS#12 (NCA's legacy profile and a modern one);
//! - [`Password`] / [`NewPassword`]: secrets, and NCA's rule for new ones;
//! - [`file_name`]: NCA's file names (`AUTH_RSA256_<id>.p12`, …);
//! - [`save_new`]: atomic, never-overwriting writes.

mod error;
mod fs;
mod naming;
mod password;
pub mod pkcs12;

pub use error::KeyFileError;
pub use fs::{replace, save_new};
pub use naming::{KeyFileKind, file_name, key_id};
pub use password::{NewPassword, Password, PasswordRuleError};
pub use pkcs12::{KeyFile, Profile, change_password};
