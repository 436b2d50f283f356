//! File names of key files, as NCA gives them.

use sha1::{Digest, Sha1};
use spki::SubjectPublicKeyInfoOwned;

use crate::cert::Purpose;
use crate::crypto::PublicKeyAlgorithm;

/// Which kind of key a file holds, which decides its name prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFileKind {
    /// NCA's RSA login key: `AUTH_RSA256_…`.
    AuthRsa,
    /// NCA's RSA signing key: `RSA256_…`.
    SignRsa,
    /// NCA's GOST 2015 key (login and signing): `GOST512_…`.
    Gost512,
    /// qoltanba's P-256 login key (no NCA precedent): `AUTH_ECDSA256_…`.
    AuthEcdsa,
    /// qoltanba's P-256 signing key: `ECDSA256_…`.
    SignEcdsa,
}

impl KeyFileKind {
    /// The kind for a key of `algorithm` used for `purpose`.
    pub fn for_key(algorithm: &PublicKeyAlgorithm, purpose: Purpose) -> Option<Self> {
        let auth_only = purpose == Purpose::Auth;
        Some(match algorithm {
            PublicKeyAlgorithm::Rsa { .. } if auth_only => Self::AuthRsa,
            PublicKeyAlgorithm::Rsa { .. } => Self::SignRsa,
            PublicKeyAlgorithm::EcP256 if auth_only => Self::AuthEcdsa,
            PublicKeyAlgorithm::EcP256 => Self::SignEcdsa,
            PublicKeyAlgorithm::Gost2015 { bits: 512 } => Self::Gost512,
            _ => return None,
        })
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::AuthRsa => "AUTH_RSA256_",
            Self::SignRsa => "RSA256_",
            Self::Gost512 => "GOST512_",
            Self::AuthEcdsa => "AUTH_ECDSA256_",
            Self::SignEcdsa => "ECDSA256_",
        }
    }
}

/// `PREFIX_<key id hex>.p12`. The hex is lower case, as in the friendlyName
/// NCA writes into its files (decoded from the real test files): NCALayer
/// names a file after that label.
pub fn file_name(kind: KeyFileKind, key_id: &[u8]) -> String {
    format!("{}{}.p12", kind.prefix(), hex::encode(key_id))
}

/// The kind and key id a key-file name gives, for listing a folder of key
/// files without opening them. Case-insensitive (citizens rename files, and
/// some file systems fold case); `None` for any other name.
pub fn parse_file_name(name: &str) -> Option<(KeyFileKind, Vec<u8>)> {
    let upper = name.to_ascii_uppercase();
    let stem = upper.strip_suffix(".P12")?;
    let kinds = [
        KeyFileKind::AuthRsa,
        KeyFileKind::AuthEcdsa,
        KeyFileKind::SignEcdsa,
        KeyFileKind::Gost512,
        KeyFileKind::SignRsa,
    ];
    kinds.into_iter().find_map(|kind| {
        let id = hex::decode(stem.strip_prefix(kind.prefix())?).ok()?;
        (id.len() == 20).then_some((kind, id))
    })
}

/// The key identifier of a public key when no certificate gives one: the
/// SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1), which is
/// also what qoltanba's CSRs and the reference RA use, so a file's name does not
/// change when its certificate is installed.
pub fn key_id(spki: &SubjectPublicKeyInfoOwned) -> [u8; 20] {
    Sha1::digest(spki.subject_public_key.raw_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nca_names() {
        let id = hex::decode("8147287582DF9BB4710E461804ACD49B88BF45C4").unwrap();
        assert_eq!(
            file_name(KeyFileKind::Gost512, &id),
            "GOST512_8147287582df9bb4710e461804acd49b88bf45c4.p12"
        );
        assert!(file_name(KeyFileKind::AuthRsa, &id).starts_with("AUTH_RSA256_"));
        assert_eq!(
            KeyFileKind::for_key(&PublicKeyAlgorithm::Rsa { bits: 2048 }, Purpose::Sign),
            Some(KeyFileKind::SignRsa)
        );
        assert_eq!(
            KeyFileKind::for_key(&PublicKeyAlgorithm::EcP256, Purpose::Auth),
            Some(KeyFileKind::AuthEcdsa)
        );
        assert_eq!(
            KeyFileKind::for_key(&PublicKeyAlgorithm::Gost2004, Purpose::Sign),
            None
        );
    }

    #[test]
    fn names_parse_back() {
        let id = [0xab; 20];
        for kind in [
            KeyFileKind::AuthRsa,
            KeyFileKind::SignRsa,
            KeyFileKind::Gost512,
            KeyFileKind::AuthEcdsa,
            KeyFileKind::SignEcdsa,
        ] {
            let name = file_name(kind, &id);
            assert_eq!(name.len(), kind.prefix().len() + 40 + 4);
            assert_eq!(parse_file_name(&name), Some((kind, id.to_vec())));
            assert_eq!(
                parse_file_name(&name.to_uppercase()),
                Some((kind, id.to_vec()))
            );
        }
        assert_eq!(parse_file_name("GOST512_abcd.p12"), None);
        assert_eq!(parse_file_name("gost1.p12"), None);
        assert_eq!(parse_file_name(&format!("X_{}.p12", "ab".repeat(20))), None);
    }
}
