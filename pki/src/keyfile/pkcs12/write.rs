//! Writing a PKCS#12 file in one of the two profiles. Both lay the file out
//! as NCA does: the shrouded key bag in a plain Data content, then the
//! certificates in an EncryptedData content, then the MAC.

use der::Encode;
use der::asn1::{Any, BmpString, OctetString, SetOfVec};

use super::asn1::{
    BagAttribute, CertBag, ContentInfo, EncryptedContentInfo, EncryptedData,
    EncryptedPrivateKeyInfo, Pfx, SafeBag,
};
use super::asn1::{CERT_BAG, SHROUDED_KEY_BAG, X509_CERTIFICATE};
use super::kdf::{Hash, PasswordBytes};
use super::pbe::{Keys, Scheme};
use super::{KeyFile, MODERN_ITERATIONS, MODERN_MAC_ITERATIONS, NCA_ITERATIONS, Profile, mac};
use crate::keyfile::KeyFileError;
use crate::keyfile::random::random;
use crate::oid;

fn malformed<E>(_: E) -> KeyFileError {
    KeyFileError::Malformed
}

pub(super) fn write(
    file: &KeyFile,
    profile: Profile,
    password: &str,
) -> Result<Vec<u8>, KeyFileError> {
    write_with(
        file,
        profile,
        password,
        ModernCost {
            pbkdf2: MODERN_ITERATIONS,
            mac: MODERN_MAC_ITERATIONS,
        },
    )
}

/// The modern profile's work factors; tests lower them to run fast.
#[derive(Clone, Copy)]
pub(super) struct ModernCost {
    pub pbkdf2: u32,
    pub mac: u32,
}

pub(super) fn write_with(
    file: &KeyFile,
    profile: Profile,
    password: &str,
    cost: ModernCost,
) -> Result<Vec<u8>, KeyFileError> {
    let password = PasswordBytes::new(password);
    let mut keys = Keys::new(&password);
    let (key_scheme, cert_scheme, mac_hash, mac_iterations) = match profile {
        Profile::Nca => (
            Scheme::nca_key(NCA_ITERATIONS)?,
            Scheme::nca_certificates(NCA_ITERATIONS)?,
            Hash::Sha1,
            NCA_ITERATIONS,
        ),
        // Key and certificates share the PBKDF2 salt (each bag has its own
        // IV), so the slow derivation runs once for both. The MAC costs as
        // much as that derivation; otherwise it would be the cheap way to
        // test password guesses.
        Profile::Modern => {
            let salt: [u8; 16] = random()?;
            (
                Scheme::modern(&salt, cost.pbkdf2)?,
                Scheme::modern(&salt, cost.pbkdf2)?,
                Hash::Sha256,
                cost.mac,
            )
        }
    };
    let attributes = attributes(file)?;

    let key_bag = SafeBag {
        bag_id: SHROUDED_KEY_BAG,
        bag_value: Any::encode_from(&EncryptedPrivateKeyInfo {
            algorithm: key_scheme.identifier()?,
            encrypted_data: OctetString::new(
                key_scheme.encrypt(&mut keys, file.private_key_pkcs8())?,
            )
            .map_err(malformed)?,
        })
        .map_err(malformed)?,
        bag_attributes: attributes.clone(),
    };
    let mut contents = vec![data(&vec![key_bag].to_der().map_err(malformed)?)?];

    let mut cert_bags = Vec::new();
    for (i, der) in file.certificate.iter().chain(&file.chain).enumerate() {
        cert_bags.push(SafeBag {
            bag_id: CERT_BAG,
            bag_value: Any::encode_from(&CertBag {
                cert_id: X509_CERTIFICATE,
                cert_value: OctetString::new(der.clone()).map_err(malformed)?,
            })
            .map_err(malformed)?,
            // Only the key's own certificate shares its labels.
            bag_attributes: if i == 0 && file.certificate.is_some() {
                attributes.clone()
            } else {
                None
            },
        });
    }
    if !cert_bags.is_empty() {
        let safe_contents = cert_bags.to_der().map_err(malformed)?;
        contents.push(encrypted(&cert_scheme, &mut keys, &safe_contents)?);
    }

    let auth_safe = contents.to_der().map_err(malformed)?;
    let mac_data = mac::make(mac_hash, &password, mac_iterations, &auth_safe)?;
    Pfx {
        version: 3,
        auth_safe: data(&auth_safe)?,
        mac_data: Some(mac_data),
    }
    .to_der()
    .map_err(malformed)
}

fn attributes(file: &KeyFile) -> Result<Option<SetOfVec<BagAttribute>>, KeyFileError> {
    let mut attributes = Vec::new();
    if let Some(id) = &file.local_key_id {
        attributes.push(BagAttribute {
            id: oid::ATTR_LOCAL_KEY_ID,
            values: SetOfVec::try_from(vec![
                Any::encode_from(&OctetString::new(id.clone()).map_err(malformed)?)
                    .map_err(malformed)?,
            ])
            .map_err(malformed)?,
        });
    }
    if let Some(name) = &file.friendly_name {
        let bmp = BmpString::from_utf8(name).map_err(malformed)?;
        attributes.push(BagAttribute {
            id: oid::ATTR_FRIENDLY_NAME,
            values: SetOfVec::try_from(vec![Any::encode_from(&bmp).map_err(malformed)?])
                .map_err(malformed)?,
        });
    }
    if attributes.is_empty() {
        return Ok(None);
    }
    SetOfVec::try_from(attributes).map(Some).map_err(malformed)
}

fn data(bytes: &[u8]) -> Result<ContentInfo, KeyFileError> {
    Ok(ContentInfo {
        content_type: oid::CT_DATA,
        content: Some(
            Any::encode_from(&OctetString::new(bytes.to_vec()).map_err(malformed)?)
                .map_err(malformed)?,
        ),
    })
}

fn encrypted(
    scheme: &Scheme,
    keys: &mut Keys<'_>,
    plaintext: &[u8],
) -> Result<ContentInfo, KeyFileError> {
    let encrypted = EncryptedData {
        version: 0,
        content: EncryptedContentInfo {
            content_type: oid::CT_DATA,
            algorithm: scheme.identifier()?,
            encrypted_content: Some(
                OctetString::new(scheme.encrypt(keys, plaintext)?).map_err(malformed)?,
            ),
        },
    };
    Ok(ContentInfo {
        content_type: oid::CT_ENCRYPTED_DATA,
        content: Some(Any::encode_from(&encrypted).map_err(malformed)?),
    })
}
