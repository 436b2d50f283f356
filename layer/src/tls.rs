//! qoltanba's own local CA and the certificate the NCALayer service presents
//! on `wss://127.0.0.1:13579`.
//!
//! Portals open `wss://127.0.0.1:13579`, so the browser must trust the
//! server's certificate. qoltanba makes, on first use, a CA of its own and
//! one server certificate for `127.0.0.1`, `::1` and `localhost`; the citizen
//! makes the browsers trust the CA with `qoltanba layer trust` (see
//! [`crate::trust`]). NCA's certificates and keys are never used for this.
//!
//! Hardening (docs/ncalayer.md, "Trust"):
//! - the CA is name-constrained (critical extension, RFC 5280 4.2.1.10) to
//!   the DNS name `localhost` and the addresses `127.0.0.1/32` and `::1/128`,
//!   with a path length of 0, so a certificate it signed for any real site
//!   fails to verify even where the CA is trusted;
//! - its private key lives only in memory while the server certificate is
//!   signed and is then dropped (zeroized); it is never written to disk. A
//!   stolen copy of the files cannot issue another certificate. The price:
//!   the server certificate cannot be renewed by the same CA. When it
//!   expires, [`LocalIdentity::load_or_create`] makes a new CA and server
//!   certificate ([`LocalIdentity::is_new`] says so) and the citizen runs
//!   `qoltanba layer trust` again (which also removes the old CA).
//!
//! Validity: [`LEAF_VALIDITY_DAYS`] for the server certificate, the CA the
//! same window. Browsers' lifetime caps for publicly trusted certificates
//! (398 days in Chrome since version 85) do not apply to certificates under
//! a locally installed root; Firefox sets none for them either. Apple's cap
//! of 825 days (iOS 13, macOS 10.15) applies to every TLS server certificate,
//! locally trusted or not, so the server certificate stays below it.
//!
//! Files in the directory given to [`LocalIdentity::load_or_create`] (0700;
//! files 0600), in the subdirectory `current/`: `ca.pem` (the CA
//! certificate), `server.pem` (the server certificate), `server-key.pem`
//! (its PKCS#8 key). A new set is written whole into a fresh directory,
//! synced, and renamed into place, so a crash leaves the old set or the new
//! one, never a mixture.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, KeyPair, KeyUsagePurpose, NameConstraints,
    PKCS_ECDSA_P256_SHA256, SanType,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// Days the server certificate (and the CA) are valid: under Apple's 825-day
/// cap for TLS server certificates, with room for the hour of clock skew the
/// start is moved back by.
pub const LEAF_VALIDITY_DAYS: i64 = 820;

/// How far before "now" both certificates start, for clocks a little behind.
const CLOCK_SKEW: Duration = Duration::hours(1);

/// The names the server certificate holds and the CA may vouch for.
pub const LOOPBACK_DNS_NAME: &str = "localhost";

/// The CA's subject common name, as certificate managers show it.
pub const CA_COMMON_NAME: &str = "qoltanba local CA (127.0.0.1, ::1 and localhost only)";

/// The nickname prefix of qoltanba's CA in NSS databases; the full nickname
/// adds the first 8 hex digits of the CA's SHA-256 fingerprint.
pub const NICKNAME_PREFIX: &str = "qoltanba local CA";

const CURRENT: &str = "current";
/// The CA certificate's file name (in `current/`).
pub const CA_FILE_NAME: &str = "ca.pem";
const CA_FILE: &str = CA_FILE_NAME;
const SERVER_FILE: &str = "server.pem";
const SERVER_KEY_FILE: &str = "server-key.pem";

/// Why the local identity could not be made, read or used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot {action} {path}: {reason}; check that the directory is yours and writable")]
    Io {
        action: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error(
        "the local certificate files in {path} are damaged ({detail}); delete the directory and run `qoltanba layer trust` again"
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "{path} can be read by other users of this computer; make it private (chmod 700 on the directory, 600 on the files)"
    )]
    NotPrivate { path: PathBuf },
    #[error("the local certificate could not be made ({0}); try again")]
    Generate(String),
}

impl qoltanba_l10n::Localize for TlsError {
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::Io {
                action,
                path,
                reason,
            } => Text::new("error-layer-tls-io")
                .arg("action", *action)
                .arg("path", path.display().to_string())
                .arg("reason", reason.as_str()),
            Self::Damaged { path, detail } => Text::new("error-layer-tls-damaged")
                .arg("path", path.display().to_string())
                .arg("detail", detail.as_str()),
            Self::NotPrivate { path } => {
                Text::new("error-layer-tls-not-private").arg("path", path.display().to_string())
            }
            Self::Generate(detail) => {
                Text::new("error-layer-tls-generate").arg("detail", detail.as_str())
            }
        }
    }
}

fn io<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(std::io::Error) -> TlsError + 'p {
    move |e| TlsError::Io {
        action,
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// The local CA and the server certificate for the loopback names, as found
/// in (or just written to) a directory.
pub struct LocalIdentity {
    dir: PathBuf,
    ca_path: PathBuf,
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    server_der: CertificateDer<'static>,
    /// PKCS#8 PEM of the server certificate's key.
    server_key_pem: Zeroizing<String>,
    not_after: OffsetDateTime,
    is_new: bool,
}

impl std::fmt::Debug for LocalIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalIdentity")
            .field("dir", &self.dir)
            .field("not_after", &self.not_after)
            .field("is_new", &self.is_new)
            .finish_non_exhaustive()
    }
}

impl LocalIdentity {
    /// The identity kept in `dir`: read when a valid one is there, else made
    /// (first use, or the server certificate has expired or is not yet
    /// valid by this computer's clock) and written atomically.
    pub fn load_or_create(dir: &Path) -> Result<LocalIdentity, TlsError> {
        Self::load_or_create_at(dir, OffsetDateTime::now_utc())
    }

    /// [`load_or_create`](Self::load_or_create) judged at `now` (tests).
    pub fn load_or_create_at(dir: &Path, now: OffsetDateTime) -> Result<LocalIdentity, TlsError> {
        make_private_dir(dir)?;
        let current = dir.join(CURRENT);
        if current.exists() {
            let identity = Self::load(dir, &current)?;
            let not_before = identity.not_before()?;
            if now >= not_before && now < identity.not_after {
                return Ok(identity);
            }
        }
        Self::create(dir, now)
    }

    /// The server's TLS configuration (rustls with the ring provider; TLS
    /// 1.2 and 1.3, as browsers speak them).
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let key = PrivateKeyDer::from_pem_slice(self.server_key_pem.as_bytes()).map_err(|e| {
            TlsError::Damaged {
                path: self.dir.join(CURRENT).join(SERVER_KEY_FILE),
                detail: e.to_string(),
            }
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Generate(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(vec![self.server_der.clone()], key)
            .map_err(|e| TlsError::Damaged {
                path: self.dir.join(CURRENT),
                detail: e.to_string(),
            })?;
        Ok(Arc::new(config))
    }

    /// The CA certificate, PEM: what the browsers are told to trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The file holding [`ca_pem`](Self::ca_pem).
    pub fn ca_path(&self) -> &Path {
        &self.ca_path
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> &CertificateDer<'static> {
        &self.ca_der
    }

    /// The server certificate, DER.
    pub fn server_der(&self) -> &CertificateDer<'static> {
        &self.server_der
    }

    /// The end of the server certificate's (and the CA's) validity.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// True when this call made the CA (first use, or the old one expired):
    /// the browsers do not trust it yet; `qoltanba layer trust` is needed.
    pub fn is_new(&self) -> bool {
        self.is_new
    }

    /// The CA's nickname in NSS databases: [`NICKNAME_PREFIX`] and the first
    /// 8 hex digits of its SHA-256 fingerprint, so a new CA never takes an
    /// old one's name.
    pub fn ca_nickname(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, self.ca_der.as_ref());
        let short: String = digest.as_ref()[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{NICKNAME_PREFIX} {short}")
    }

    fn not_before(&self) -> Result<OffsetDateTime, TlsError> {
        Ok(validity(&self.server_der, &self.dir)?.0)
    }

    fn load(dir: &Path, current: &Path) -> Result<LocalIdentity, TlsError> {
        check_private(dir)?;
        let ca_path = current.join(CA_FILE);
        let ca_pem = read(&ca_path)?;
        let server_pem = read(&current.join(SERVER_FILE))?;
        let key_path = current.join(SERVER_KEY_FILE);
        check_private(&key_path)?;
        let server_key_pem = Zeroizing::new(read(&key_path)?);
        let damaged = |path: &Path| {
            let path = path.to_owned();
            move |e: rustls_pki_types::pem::Error| TlsError::Damaged {
                path,
                detail: e.to_string(),
            }
        };
        let ca_der =
            CertificateDer::from_pem_slice(ca_pem.as_bytes()).map_err(damaged(&ca_path))?;
        let server_der = CertificateDer::from_pem_slice(server_pem.as_bytes())
            .map_err(damaged(&current.join(SERVER_FILE)))?;
        PrivateKeyDer::from_pem_slice(server_key_pem.as_bytes()).map_err(damaged(&key_path))?;
        let (_, not_after) = validity(&server_der, dir)?;
        Ok(LocalIdentity {
            dir: dir.to_owned(),
            ca_path,
            ca_pem,
            ca_der,
            server_der,
            server_key_pem,
            not_after,
            is_new: false,
        })
    }

    fn create(dir: &Path, now: OffsetDateTime) -> Result<LocalIdentity, TlsError> {
        let issued = issue(now)?;
        let staging = dir.join(format!(".new-{}", random_suffix()?));
        make_private_dir(&staging)?;
        let written = (|| {
            write_private(&staging.join(CA_FILE), issued.ca_pem.as_bytes())?;
            write_private(&staging.join(SERVER_FILE), issued.server_pem.as_bytes())?;
            write_private(
                &staging.join(SERVER_KEY_FILE),
                issued.server_key_pem.as_bytes(),
            )?;
            sync_dir(&staging)
        })();
        if let Err(e) = written {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        let current = dir.join(CURRENT);
        // A directory cannot be renamed over a non-empty one: move the old
        // set aside first. A crash in between leaves no `current`, and the
        // next start makes a new set (the old one was being replaced).
        if current.exists() {
            let old = dir.join(format!(".old-{}", random_suffix()?));
            fs::rename(&current, &old).map_err(io("replace", &current))?;
            let _ = fs::remove_dir_all(&old);
        }
        if let Err(e) = fs::rename(&staging, &current) {
            let _ = fs::remove_dir_all(&staging);
            // Another process made one at the same moment: use it.
            if current.exists() {
                return Self::load(dir, &current);
            }
            return Err(io("write", &current)(e));
        }
        sync_dir(dir)?;
        let mut identity = Self::load(dir, &current)?;
        identity.is_new = true;
        Ok(identity)
    }
}

/// The two certificates and the server key, PEM, as just made; the CA key
/// is gone by the time this exists.
struct Issued {
    ca_pem: String,
    server_pem: String,
    server_key_pem: Zeroizing<String>,
}

/// The CA's parameters: a root that may sign end-entity certificates for
/// the loopback names only.
fn ca_params(now: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.not_before = now - CLOCK_SKEW;
    params.not_after = params.not_before + Duration::days(LEAF_VALIDITY_DAYS);
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "qoltanba");
    name.push(DnType::CommonName, CA_COMMON_NAME);
    // A subject of its own per CA (NSS files certificates of one subject
    // under one nickname; chain builders look issuers up by subject).
    name.push(
        DnType::OrganizationalUnitName,
        format!("made {}", now.unix_timestamp()),
    );
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![
            GeneralSubtree::DnsName(LOOPBACK_DNS_NAME.into()),
            GeneralSubtree::IpAddress(CidrSubnet::from_v4_prefix([127, 0, 0, 1], 32)),
            GeneralSubtree::IpAddress(CidrSubnet::from_v6_prefix(
                std::net::Ipv6Addr::LOCALHOST.octets(),
                128,
            )),
        ],
        excluded_subtrees: Vec::new(),
    });
    params
}

/// The server certificate's parameters for `names` (DNS names or IP
/// addresses), valid as long as the CA.
fn leaf_params(now: OffsetDateTime, names: &[SanType]) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.not_before = now - CLOCK_SKEW;
    params.not_after = params.not_before + Duration::days(LEAF_VALIDITY_DAYS);
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "qoltanba");
    name.push(DnType::CommonName, "qoltanba NCALayer service");
    params.distinguished_name = name;
    params.subject_alt_names = names.to_vec();
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params
}

/// The loopback names the server answers on.
fn loopback_names() -> Result<Vec<SanType>, TlsError> {
    Ok(vec![
        SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
        SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()),
        SanType::DnsName(
            LOOPBACK_DNS_NAME
                .try_into()
                .map_err(|e: rcgen::Error| TlsError::Generate(e.to_string()))?,
        ),
    ])
}

/// A new CA and server certificate (ECDSA P-256 with SHA-256, which every
/// browser and OS store accepts). The CA key is dropped, zeroized, on return.
fn issue(now: OffsetDateTime) -> Result<Issued, TlsError> {
    let generate = |e: rcgen::Error| TlsError::Generate(e.to_string());
    let ca_key = Zeroizing::new(KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(generate)?);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params(now), &*ca_key).map_err(generate)?;
    let server_key =
        Zeroizing::new(KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(generate)?);
    let server = leaf_params(now, &loopback_names()?)
        .signed_by(&*server_key, &ca)
        .map_err(generate)?;
    Ok(Issued {
        ca_pem: ca.pem(),
        server_pem: server.pem(),
        server_key_pem: Zeroizing::new(server_key.serialize_pem()),
    })
}

/// notBefore and notAfter of a certificate.
fn validity(
    der: &CertificateDer<'_>,
    dir: &Path,
) -> Result<(OffsetDateTime, OffsetDateTime), TlsError> {
    use der::Decode;
    let damaged = |detail: String| TlsError::Damaged {
        path: dir.join(CURRENT),
        detail,
    };
    let cert =
        x509_cert::Certificate::from_der(der.as_ref()).map_err(|e| damaged(e.to_string()))?;
    let validity = cert.tbs_certificate().validity();
    let at = |t: x509_cert::time::Time| {
        let secs = i64::try_from(t.to_unix_duration().as_secs())
            .map_err(|_| damaged("a date out of range".into()))?;
        OffsetDateTime::from_unix_timestamp(secs).map_err(|e| damaged(e.to_string()))
    };
    Ok((at(validity.not_before)?, at(validity.not_after)?))
}

fn random_suffix() -> Result<String, TlsError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| TlsError::Generate(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn read(path: &Path) -> Result<String, TlsError> {
    fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::InvalidData => TlsError::Damaged {
            path: path.to_owned(),
            detail: e.to_string(),
        },
        _ => io("read", path)(e),
    })
}

/// `dir` and its parents, the last one private to the user.
fn make_private_dir(dir: &Path) -> Result<(), TlsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if !dir.exists() {
            if let Some(parent) = dir.parent() {
                fs::create_dir_all(parent).map_err(io("create", parent))?;
            }
            let made = fs::DirBuilder::new().mode(0o700).create(dir);
            if let Err(e) = made
                && e.kind() != std::io::ErrorKind::AlreadyExists
            {
                return Err(io("create", dir)(e));
            }
        }
        let mode = fs::metadata(dir)
            .map_err(io("read", dir))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(io("make private", dir))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(dir).map_err(io("create", dir))
    }
}

/// Refuses a key file or directory others can read.
fn check_private(path: &Path) -> Result<(), TlsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .map_err(io("read", path))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(TlsError::NotPrivate {
                path: path.to_owned(),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A new file only the user can read, written and synced.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io("create", path))?;
    file.write_all(bytes).map_err(io("write", path))?;
    file.sync_all().map_err(io("write", path))
}

fn sync_dir(dir: &Path) -> Result<(), TlsError> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("write", dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The default home of the identity: `QOLTANBA_LAYER_DIR`, else
/// `$XDG_DATA_HOME/qoltanba/layer`, else `~/.local/share/qoltanba/layer`
/// (beside the CLI's database). `None` without a home directory.
pub fn default_dir() -> Option<PathBuf> {
    let env = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = env("QOLTANBA_LAYER_DIR") {
        return Some(dir.into());
    }
    if let Some(data) = env("XDG_DATA_HOME") {
        return Some(PathBuf::from(data).join("qoltanba/layer"));
    }
    env("HOME").map(|home| PathBuf::from(home).join(".local/share/qoltanba/layer"))
}

#[cfg(test)]
mod tests;
