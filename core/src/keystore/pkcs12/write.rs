//! Writing a PKCS#12 file in one of the two profiles.

use der::Encode;
use der::asn1::{Any, BmpString, OctetString, SetOfVec};

use super::asn1::{
    BagAttribute, CertBag, ContentInfo, EncryptedContentInfo, EncryptedData,
    EncryptedPrivateKeyInfo, Pfx, SafeBag,
};
use super::cipher::Scheme;
use super::kdf::KdfHash;
use super::read::{CERT_BAG, SHROUDED_KEY_BAG, X509_CERTIFICATE};
use super::{KeyFile, MODERN_ITERATIONS, MODERN_MAC_ITERATIONS, NCA_ITERATIONS, Profile, mac};
use crate::keystore::KeyFileError;
use crate::oid;

fn malformed<E>(_: E) -> KeyFileError {
    KeyFileError::Malformed
}

pub(super) fn write(
    file: &KeyFile,
    profile: Profile,
    password: &str,
) -> Result<Vec<u8>, KeyFileError> {
    let (key_scheme, cert_scheme, mac_hash, mac_iterations) = match profile {
        Profile::Nca => (
            Scheme::nca_key(NCA_ITERATIONS)?,
            Some(Scheme::nca_certificates(NCA_ITERATIONS)?),
            KdfHash::Sha1,
            NCA_ITERATIONS,
        ),
        // The MAC costs as much as the key's PBKDF2; otherwise the MAC would
        // be the cheap way to test password guesses.
        Profile::Modern => (
            Scheme::modern(MODERN_ITERATIONS)?,
            None,
            KdfHash::Sha256,
            MODERN_MAC_ITERATIONS,
        ),
    };
    let attributes = attributes(file)?;

    let key_bag = SafeBag {
        bag_id: SHROUDED_KEY_BAG,
        bag_value: Any::encode_from(&EncryptedPrivateKeyInfo {
            algorithm: key_scheme.identifier()?,
            encrypted_data: OctetString::new(
                key_scheme.encrypt(password, file.private_key_pkcs8())?,
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
        contents.push(match cert_scheme {
            Some(scheme) => encrypted(&scheme, password, &safe_contents)?,
            None => data(&safe_contents)?,
        });
    }

    let auth_safe = contents.to_der().map_err(malformed)?;
    let mac_data = mac::make(mac_hash, password, mac_iterations, &auth_safe)?;
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
    password: &str,
    plaintext: &[u8],
) -> Result<ContentInfo, KeyFileError> {
    let encrypted = EncryptedData {
        version: 0,
        content: EncryptedContentInfo {
            content_type: oid::CT_DATA,
            algorithm: scheme.identifier()?,
            encrypted_content: Some(
                OctetString::new(scheme.encrypt(password, plaintext)?).map_err(malformed)?,
            ),
        },
    };
    Ok(ContentInfo {
        content_type: oid::CT_ENCRYPTED_DATA,
        content: Some(Any::encode_from(&encrypted).map_err(malformed)?),
    })
}
