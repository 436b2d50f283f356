//! The server's home directory:
//!
//! ```text
//! DIR/config.toml        configuration (config.rs)
//! DIR/ra.db              the SQLite database (unless config.toml's
//!                        [database] names a PostgreSQL one)
//! DIR/ca/<ca>.p12        CA keys + certificates, encrypted (modern profile)
//! DIR/ca/<ca>.cer        CA certificates (DER), public
//! DIR/tls/server.p12     the TLS key + certificate, encrypted
//! DIR/tls/ca.pem         the root certificate clients trust for HTTPS
//! ```
//!
//! Everything secret is encrypted under the operator passphrase, which comes
//! from a prompt or `--passphrase-file`, never from the command line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::{Signer, SoftwareKey};
use qoltanba_pki::keyfile::{KeyFile, NewPassword, Password, Profile, key_id};
use time::OffsetDateTime;

use crate::ca::{CaError, CaSet};
use crate::config::{Config, DatabaseConfig};
use crate::db::{Db, DbError};

#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error("{0} already holds a server; choose an empty directory")]
    AlreadyInitialised(PathBuf),
    #[error("{0} holds no server; run `qoltanba-ra init --dir {0}` first")]
    NotInitialised(PathBuf),
    #[error("cannot write {path}: {detail}")]
    Write { path: PathBuf, detail: String },
    #[error("cannot read {path}: {detail}")]
    Read { path: PathBuf, detail: String },
    #[error("the configuration {path} is invalid: {detail}")]
    Config { path: PathBuf, detail: String },
    #[error(
        "the operator passphrase is wrong or the CA files are damaged ({0}); try again or restore the home from a backup"
    )]
    Unlock(String),
    #[error(transparent)]
    Ca(#[from] CaError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The TLS identity the server presents.
pub struct TlsIdentity {
    pub key: SoftwareKey,
    pub cert: KzCertificate,
}

/// An opened home: configuration and database, not yet unlocked.
pub struct Home {
    pub dir: PathBuf,
    pub config: Config,
    pub db: Db,
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), HomeError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| HomeError::Write {
            path: parent.to_path_buf(),
            detail: e.to_string(),
        })?;
    }
    qoltanba_pki::keyfile::replace(path, bytes).map_err(|e| HomeError::Write {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

impl Home {
    fn config_path(dir: &Path) -> PathBuf {
        dir.join("config.toml")
    }

    fn tls_key_path(dir: &Path) -> PathBuf {
        dir.join("tls").join("server.p12")
    }

    /// The root certificate (PEM) HTTPS clients should trust.
    pub fn tls_ca_path(dir: &Path) -> PathBuf {
        dir.join("tls").join("ca.pem")
    }

    /// Create a server in `dir`: configuration, database, CA hierarchy and
    /// TLS identity for the listen address (plus `localhost`), the keys in
    /// modern-profile key files.
    pub fn init(
        dir: &Path,
        listen: SocketAddr,
        tls: bool,
        passphrase: &NewPassword,
        now: OffsetDateTime,
    ) -> Result<Home, HomeError> {
        Self::init_in_profile(dir, listen, tls, passphrase, now, Profile::Modern, None)
    }

    /// [`Self::init`] with the key files in `profile`: `Nca` (cheap to open)
    /// only for a throwaway home (the embedded test RA's, the tests' and
    /// demos' `init --key-file-profile nca`); on the PostgreSQL `database`
    /// (connected and migrated first, so wrong settings leave no home
    /// behind) rather than SQLite in the home.
    pub fn init_in_profile(
        dir: &Path,
        listen: SocketAddr,
        tls: bool,
        passphrase: &NewPassword,
        now: OffsetDateTime,
        profile: Profile,
        database: Option<DatabaseConfig>,
    ) -> Result<Home, HomeError> {
        if Self::config_path(dir).exists() {
            return Err(HomeError::AlreadyInitialised(dir.to_path_buf()));
        }
        let mut config = Config::new(listen, tls);
        config.database = database;
        let postgres = match &config.database {
            Some(database) => Some(Db::open_home(dir, Some(database))?),
            None => None,
        };
        let cas = CaSet::create_in_profile(dir, passphrase, now, profile)?;
        let hosts = vec![listen.ip().to_string(), "localhost".to_string()];
        let (key, cert) = cas.issue_tls(&hosts, now)?;
        let mut file = KeyFile::new(
            key.pkcs8_der(),
            Some(cert.der().to_vec()),
            &key_id(key.public_key()),
        );
        file.set_friendly_name(Some("qoltanba-ra TLS".into()));
        let bytes = file
            .to_bytes(profile, passphrase)
            .map_err(|e| HomeError::Write {
                path: Self::tls_key_path(dir),
                detail: e.to_string(),
            })?;
        write(&Self::tls_key_path(dir), &bytes)?;
        let pem =
            der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, cas.root.cert.der())
                .map_err(|e| HomeError::Write {
                path: Self::tls_ca_path(dir),
                detail: e.to_string(),
            })?;
        write(&Self::tls_ca_path(dir), pem.as_bytes())?;
        let db = match postgres {
            Some(db) => db,
            None => Db::open(&dir.join("ra.db"))?,
        };
        // The configuration last: its presence marks a complete home.
        write(&Self::config_path(dir), config.to_toml().as_bytes())?;
        Ok(Home {
            dir: dir.to_path_buf(),
            config,
            db,
        })
    }

    /// Open an existing home (configuration and database).
    pub fn open(dir: &Path) -> Result<Home, HomeError> {
        let path = Self::config_path(dir);
        if !path.exists() {
            return Err(HomeError::NotInitialised(dir.to_path_buf()));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| HomeError::Read {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        let config = Config::from_toml(&text).map_err(|detail| HomeError::Config {
            path: path.clone(),
            detail,
        })?;
        let db = Db::open_home(dir, config.database.as_ref())?;
        Ok(Home {
            dir: dir.to_path_buf(),
            config,
            db,
        })
    }

    /// Decrypt the CA keys.
    pub fn unlock_cas(&self, passphrase: &Password) -> Result<CaSet, HomeError> {
        CaSet::load(&self.dir, passphrase).map_err(|e| match e {
            CaError::Read { .. } => HomeError::Unlock(e.to_string()),
            other => HomeError::Ca(other),
        })
    }

    /// Decrypt the TLS identity.
    pub fn unlock_tls(&self, passphrase: &Password) -> Result<TlsIdentity, HomeError> {
        let path = Self::tls_key_path(&self.dir);
        let file =
            KeyFile::open(&path, passphrase).map_err(|e| HomeError::Unlock(e.to_string()))?;
        let cert = KzCertificate::from_der(
            file.require_certificate()
                .map_err(|e| HomeError::Unlock(e.to_string()))?,
        )
        .map_err(|e| HomeError::Unlock(e.to_string()))?;
        let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8())
            .map_err(|e| HomeError::Unlock(e.to_string()))?;
        Ok(TlsIdentity { key, cert })
    }
}
