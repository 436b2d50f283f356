//! The RA's certification authorities: a root, and one issuing CA per key
//! algorithm citizens may have (RSA, ECDSA P-256, GOST 2015-512). Each CA's
//! key lives in a key file of the `modern` profile (PBES2, AES-256, PBKDF2
//! 600 000) under the operator passphrase, with its certificate; the
//! certificate is also written in the clear for clients to fetch.

mod certificate;
pub mod crl;
pub mod ocsp;
mod profile;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::{KeySpec, PublicKeyAlgorithm, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{KeyFile, NewPassword, Password, Profile, key_id};
use qoltanba_pki::reissue::VerifiedCsr;
use time::{Duration, OffsetDateTime};
use x509_cert::name::Name;

pub use certificate::{CertificateTemplate, IssueError, sign_certificate};
pub use profile::StatusUrls;

/// Which CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaKind {
    Root,
    Rsa,
    Ecdsa,
    Gost,
}

impl CaKind {
    pub const ISSUING: [CaKind; 3] = [CaKind::Rsa, CaKind::Ecdsa, CaKind::Gost];

    /// The short name used in file names, URLs and the database.
    pub fn name(self) -> &'static str {
        match self {
            Self::Root => "root",
            Self::Rsa => "rsa",
            Self::Ecdsa => "ecdsa",
            Self::Gost => "gost",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Root, Self::Rsa, Self::Ecdsa, Self::Gost]
            .into_iter()
            .find(|k| k.name() == name)
    }

    fn common_name(self) -> &'static str {
        match self {
            Self::Root => "QOLTANBA RA ROOT",
            Self::Rsa => "QOLTANBA RA (RSA)",
            Self::Ecdsa => "QOLTANBA RA (ECDSA)",
            Self::Gost => "QOLTANBA RA (GOST)",
        }
    }

    fn key_spec(self) -> KeySpec {
        match self {
            Self::Root | Self::Ecdsa => KeySpec::P256,
            Self::Rsa => KeySpec::Rsa2048,
            Self::Gost => KeySpec::Gost512,
        }
    }

    /// The issuing CA for a citizen key of `algorithm`, if the RA issues it.
    pub fn for_key(algorithm: &PublicKeyAlgorithm) -> Option<Self> {
        match algorithm {
            PublicKeyAlgorithm::Rsa { .. } => Some(Self::Rsa),
            PublicKeyAlgorithm::EcP256 => Some(Self::Ecdsa),
            PublicKeyAlgorithm::Gost2015 { bits: 512 } => Some(Self::Gost),
            _ => None,
        }
    }
}

/// One CA: its key and certificate.
pub struct Authority {
    pub kind: CaKind,
    pub key: SoftwareKey,
    pub cert: KzCertificate,
}

impl Authority {
    pub fn key_id(&self) -> Vec<u8> {
        self.cert
            .subject_key_id()
            .map(<[u8]>::to_vec)
            .unwrap_or_else(|| key_id(self.cert.public_key()).to_vec())
    }

    fn name(&self) -> Name {
        self.cert.inner().tbs_certificate().subject().clone()
    }
}

/// All four CAs.
pub struct CaSet {
    pub root: Authority,
    pub issuing: Vec<Authority>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("the CA files in {0} already exist; a CA is created once")]
    Exists(PathBuf),
    #[error("the CA file {path} cannot be read: {detail}")]
    Read { path: PathBuf, detail: String },
    #[error("the CA file {path} cannot be written: {detail}")]
    Write { path: PathBuf, detail: String },
    #[error("the CA key {0} cannot be created: {1}")]
    Key(&'static str, String),
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error("keys of {0} are not issued by this RA")]
    NoIssuer(String),
}

/// A positive random serial number of 16 bytes.
pub fn random_serial() -> Vec<u8> {
    let mut serial = vec![0u8; 16];
    getrandom::fill(&mut serial).expect("the OS random number generator works");
    serial[0] = (serial[0] & 0x7f) | 0x10;
    serial
}

fn ca_name(kind: CaKind) -> Name {
    Name::from_str(&format!("CN={},C=KZ", kind.common_name())).expect("a fixed, valid name")
}

impl CaSet {
    fn dir(home: &Path) -> PathBuf {
        home.join("ca")
    }

    fn key_path(home: &Path, kind: CaKind) -> PathBuf {
        Self::dir(home).join(format!("{}.p12", kind.name()))
    }

    /// The public certificate file of a CA (DER).
    pub fn cert_path(home: &Path, kind: CaKind) -> PathBuf {
        Self::dir(home).join(format!("{}.cer", kind.name()))
    }

    /// Create the hierarchy in `home/ca`: keys, certificates (valid 10 years
    /// for the root, 5 for the issuing CAs), key files under `passphrase`
    /// in the modern profile.
    pub fn create(
        home: &Path,
        passphrase: &NewPassword,
        now: OffsetDateTime,
    ) -> Result<Self, CaError> {
        Self::create_in_profile(home, passphrase, now, Profile::Modern)
    }

    /// [`Self::create`] with the key files in `profile`: `Nca` (cheap to
    /// open) only for a throwaway hierarchy, the embedded test RA's.
    pub fn create_in_profile(
        home: &Path,
        passphrase: &NewPassword,
        now: OffsetDateTime,
        profile: Profile,
    ) -> Result<Self, CaError> {
        let dir = Self::dir(home);
        if dir.exists() {
            return Err(CaError::Exists(dir));
        }
        std::fs::create_dir_all(&dir).map_err(|e| CaError::Write {
            path: dir.clone(),
            detail: e.to_string(),
        })?;
        let new_key = |kind: CaKind| {
            generate(kind.key_spec()).map_err(|e| CaError::Key(kind.name(), e.to_string()))
        };
        let root_key = new_key(CaKind::Root)?;
        let root_name = ca_name(CaKind::Root);
        let root_cert = sign_certificate(
            &CertificateTemplate {
                serial: random_serial(),
                subject: root_name.clone(),
                public_key: root_key.public_key().clone(),
                not_before: now - Duration::minutes(5),
                not_after: now + Duration::days(3650),
                extensions: profile::ca(root_key.public_key(), None).map_err(IssueError::from)?,
            },
            &root_name,
            &root_key,
        )?;
        let root = Authority {
            kind: CaKind::Root,
            key: root_key,
            cert: root_cert,
        };
        let mut issuing = Vec::new();
        for kind in CaKind::ISSUING {
            let key = new_key(kind)?;
            let cert = sign_certificate(
                &CertificateTemplate {
                    serial: random_serial(),
                    subject: ca_name(kind),
                    public_key: key.public_key().clone(),
                    not_before: now - Duration::minutes(5),
                    not_after: now + Duration::days(1825),
                    extensions: profile::ca(key.public_key(), Some(&root.key_id()))
                        .map_err(IssueError::from)?,
                },
                &root.name(),
                &root.key,
            )?;
            issuing.push(Authority { kind, key, cert });
        }
        let set = Self { root, issuing };
        for authority in set.all() {
            set.save(home, authority, passphrase, profile)?;
        }
        Ok(set)
    }

    fn save(
        &self,
        home: &Path,
        authority: &Authority,
        passphrase: &NewPassword,
        profile: Profile,
    ) -> Result<(), CaError> {
        let kind = authority.kind;
        let mut file = KeyFile::new(
            authority.key.pkcs8_der(),
            Some(authority.cert.der().to_vec()),
            &authority.key_id(),
        );
        file.set_friendly_name(Some(kind.common_name().to_string()));
        let write = |path: PathBuf, bytes: &[u8]| {
            qoltanba_pki::keyfile::replace(&path, bytes).map_err(|e| CaError::Write {
                path,
                detail: e.to_string(),
            })
        };
        let bytes = file
            .to_bytes(profile, passphrase)
            .map_err(|e| CaError::Key(kind.name(), e.to_string()))?;
        write(Self::key_path(home, kind), &bytes)?;
        write(Self::cert_path(home, kind), authority.cert.der())
    }

    /// Unlock the hierarchy in `home/ca` with the operator passphrase.
    pub fn load(home: &Path, passphrase: &Password) -> Result<Self, CaError> {
        let load = |kind: CaKind| -> Result<Authority, CaError> {
            let path = Self::key_path(home, kind);
            let read_error = |detail: String| CaError::Read {
                path: path.clone(),
                detail,
            };
            let file = KeyFile::open(&path, passphrase).map_err(|e| read_error(e.to_string()))?;
            let cert_der = file
                .require_certificate()
                .map_err(|e| read_error(e.to_string()))?;
            let cert = KzCertificate::from_der(cert_der).map_err(|e| read_error(e.to_string()))?;
            let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8())
                .map_err(|e| read_error(e.to_string()))?;
            Ok(Authority { kind, key, cert })
        };
        Ok(Self {
            root: load(CaKind::Root)?,
            issuing: CaKind::ISSUING
                .into_iter()
                .map(load)
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn all(&self) -> impl Iterator<Item = &Authority> {
        std::iter::once(&self.root).chain(self.issuing.iter())
    }

    pub fn get(&self, kind: CaKind) -> &Authority {
        self.all()
            .find(|a| a.kind == kind)
            .expect("every kind is loaded")
    }

    /// Issue a citizen's certificate for a verified CSR.
    pub fn issue(
        &self,
        csr: &VerifiedCsr,
        not_before: OffsetDateTime,
        validity_days: u32,
        public_url: &str,
    ) -> Result<(CaKind, KzCertificate), CaError> {
        let algorithm = PublicKeyAlgorithm::of(&csr.public_key);
        let kind =
            CaKind::for_key(&algorithm).ok_or_else(|| CaError::NoIssuer(algorithm.name()))?;
        let issuer = self.get(kind);
        let urls = StatusUrls {
            crl: format!("{public_url}/v1/crl/{}.crl", kind.name()),
            ocsp: format!("{public_url}/v1/ocsp"),
            ca_issuer: format!("{public_url}/v1/ca/{}.cer", kind.name()),
        };
        let extensions = profile::individual(&csr.public_key, csr.purpose, &issuer.key_id(), &urls)
            .map_err(IssueError::from)?;
        // Never beyond the issuing CA's own end (a 3-year certificate from a
        // CA with two years left would not validate for its last year).
        let not_after =
            (not_before + Duration::days(i64::from(validity_days))).min(issuer.cert.not_after());
        let cert = sign_certificate(
            &CertificateTemplate {
                serial: random_serial(),
                subject: csr.subject.clone(),
                public_key: csr.public_key.clone(),
                not_before,
                not_after,
                extensions,
            },
            &issuer.name(),
            &issuer.key,
        )?;
        Ok((kind, cert))
    }

    /// The chain above a certificate of `kind`: the issuing CA, then the root.
    pub fn chain(&self, kind: CaKind) -> Vec<&KzCertificate> {
        vec![&self.get(kind).cert, &self.root.cert]
    }

    /// A TLS server certificate for `hosts`, issued by the root, with a new
    /// P-256 key.
    pub fn issue_tls(
        &self,
        hosts: &[String],
        now: OffsetDateTime,
    ) -> Result<(SoftwareKey, KzCertificate), CaError> {
        let key = generate(KeySpec::P256).map_err(|e| CaError::Key("tls", e.to_string()))?;
        let cert = sign_certificate(
            &CertificateTemplate {
                serial: random_serial(),
                subject: Name::from_str("CN=qoltanba-ra,C=KZ").expect("a fixed, valid name"),
                public_key: key.public_key().clone(),
                not_before: now - Duration::minutes(5),
                not_after: now + Duration::days(825),
                extensions: profile::tls_server(key.public_key(), &self.root.key_id(), hosts)
                    .map_err(IssueError::from)?,
            },
            &self.root.name(),
            &self.root.key,
        )?;
        Ok((key, cert))
    }
}

/// The purpose a CSR asks for, as the database spells it.
#[cfg(test)]
mod tests {
    use super::*;
    use qoltanba_pki::cert::{TrustAnchors, validate};

    fn passphrase() -> NewPassword {
        NewPassword::new(Password::new("Operat0rPass")).unwrap()
    }

    #[test]
    fn create_load_and_chain() {
        let home = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::now_utc();
        let created = CaSet::create(home.path(), &passphrase(), now).unwrap();
        assert!(matches!(
            CaSet::create(home.path(), &passphrase(), now),
            Err(CaError::Exists(_))
        ));
        let loaded = CaSet::load(home.path(), &Password::new("Operat0rPass")).unwrap();
        assert!(CaSet::load(home.path(), &Password::new("wrong")).is_err());
        let anchors = TrustAnchors::new(vec![loaded.root.cert.clone()]);
        for (a, b) in created.all().zip(loaded.all()) {
            assert_eq!(a.cert.der(), b.cert.der());
            assert!(b.cert.is_ca());
            validate(&b.cert, &[], &anchors, now, None).unwrap();
        }
        let gost = loaded.get(CaKind::Gost);
        assert_eq!(
            gost.cert.key_algorithm(),
            PublicKeyAlgorithm::Gost2015 { bits: 512 }
        );
    }
}
