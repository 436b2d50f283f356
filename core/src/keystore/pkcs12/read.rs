//! Reading a PKCS#12 file, NCA's BER layout included.

use der::asn1::{Any, BmpString, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use zeroize::Zeroizing;

use super::asn1::{
    BagAttribute, CertBag, ContentInfo, EncryptedData, EncryptedPrivateKeyInfo, Pfx, SafeBag,
    decode_ber,
};
use super::cipher::Scheme;
use super::{KeyFile, Profile, mac};
use crate::keystore::KeyFileError;
use crate::oid;

pub(super) const KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
pub(super) const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
pub(super) const CERT_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
pub(super) const X509_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");

/// A bag's attributes that matter for pairing a key with its certificate.
#[derive(Default)]
struct Labels {
    local_key_id: Option<Vec<u8>>,
    friendly_name: Option<String>,
}

struct Key {
    pkcs8: Zeroizing<Vec<u8>>,
    labels: Labels,
    legacy: bool,
}

struct Cert {
    der: Vec<u8>,
    labels: Labels,
}

pub(super) fn read(bytes: &[u8], password: &str) -> Result<KeyFile, KeyFileError> {
    let pfx: Pfx = decode_ber(bytes).map_err(|_| KeyFileError::NotPkcs12)?;
    if pfx.version != 3 || pfx.auth_safe.content_type != oid::CT_DATA {
        return Err(if pfx.auth_safe.content_type == oid::CT_SIGNED_DATA {
            KeyFileError::UnsupportedAlgorithm("public-key integrity mode".into())
        } else {
            KeyFileError::NotPkcs12
        });
    }
    let auth_safe: OctetString = content_as(&pfx.auth_safe).map_err(|_| KeyFileError::NotPkcs12)?;
    let mac_data = pfx.mac_data.as_ref().ok_or(KeyFileError::NoMac)?;
    mac::verify(mac_data, password, auth_safe.as_bytes())?;

    // The MAC held, so from here on a failure means a damaged file.
    let contents: Vec<ContentInfo> =
        decode_ber(auth_safe.as_bytes()).map_err(|_| KeyFileError::Malformed)?;
    let mut keys = Vec::new();
    let mut certs = Vec::new();
    for info in &contents {
        let safe_contents: Zeroizing<Vec<u8>> = match info.content_type {
            oid::CT_DATA => {
                let data: OctetString = content_as(info).map_err(|_| KeyFileError::Malformed)?;
                Zeroizing::new(data.as_bytes().to_vec())
            }
            oid::CT_ENCRYPTED_DATA => {
                let encrypted: EncryptedData =
                    content_as(info).map_err(|_| KeyFileError::Malformed)?;
                let scheme = Scheme::from_identifier(&encrypted.content.algorithm)?;
                let ciphertext = encrypted
                    .content
                    .encrypted_content
                    .ok_or(KeyFileError::Malformed)?;
                scheme
                    .decrypt(password, ciphertext.as_bytes())
                    .map_err(|_| KeyFileError::Malformed)?
            }
            // Enveloped (public-key privacy) contents are not used by NCA.
            other => {
                return Err(KeyFileError::UnsupportedAlgorithm(format!(
                    "content type {other}"
                )));
            }
        };
        let bags: Vec<SafeBag> = decode_ber(&safe_contents).map_err(|_| KeyFileError::Malformed)?;
        for bag in bags {
            read_bag(bag, password, &mut keys, &mut certs)?;
        }
    }

    let key = keys.into_iter().next().ok_or(KeyFileError::NoPrivateKey)?;
    // The key's certificate carries the same localKeyId; without ids, the first.
    let position = certs
        .iter()
        .position(|c| {
            c.labels.local_key_id.is_some() && c.labels.local_key_id == key.labels.local_key_id
        })
        .or(if certs.is_empty() { None } else { Some(0) });
    let certificate = position.map(|i| certs.remove(i));
    Ok(KeyFile {
        private_key: key.pkcs8,
        friendly_name: key.labels.friendly_name.or_else(|| {
            certificate
                .as_ref()
                .and_then(|c| c.labels.friendly_name.clone())
        }),
        local_key_id: key.labels.local_key_id,
        certificate: certificate.map(|c| c.der),
        chain: certs.into_iter().map(|c| c.der).collect(),
        profile: if key.legacy {
            Profile::Nca
        } else {
            Profile::Modern
        },
    })
}

fn read_bag(
    bag: SafeBag,
    password: &str,
    keys: &mut Vec<Key>,
    certs: &mut Vec<Cert>,
) -> Result<(), KeyFileError> {
    let labels = labels(
        bag.bag_attributes
            .as_ref()
            .map(|a| a.as_slice())
            .unwrap_or_default(),
    );
    match bag.bag_id {
        SHROUDED_KEY_BAG => {
            let info: EncryptedPrivateKeyInfo = any_as(&bag.bag_value)?;
            let scheme = Scheme::from_identifier(&info.algorithm)?;
            let pkcs8 = scheme
                .decrypt(password, info.encrypted_data.as_bytes())
                .map_err(|_| KeyFileError::Malformed)?;
            keys.push(Key {
                pkcs8,
                labels,
                legacy: scheme.is_legacy(),
            });
        }
        KEY_BAG => {
            let pkcs8 = Zeroizing::new(
                bag.bag_value
                    .to_der()
                    .map_err(|_| KeyFileError::Malformed)?,
            );
            keys.push(Key {
                pkcs8,
                labels,
                legacy: false,
            });
        }
        CERT_BAG => {
            let cert: CertBag = any_as(&bag.bag_value)?;
            if cert.cert_id == X509_CERTIFICATE {
                certs.push(Cert {
                    der: cert.cert_value.as_bytes().to_vec(),
                    labels,
                });
            }
        }
        // CRL and secret bags play no part in a key file.
        _ => {}
    }
    Ok(())
}

fn labels(attributes: &[BagAttribute]) -> Labels {
    let mut labels = Labels::default();
    for attribute in attributes {
        let Some(value) = attribute.values.iter().next() else {
            continue;
        };
        match attribute.id {
            oid::ATTR_LOCAL_KEY_ID => {
                labels.local_key_id = value
                    .decode_as::<OctetString>()
                    .ok()
                    .map(|o| o.as_bytes().to_vec());
            }
            oid::ATTR_FRIENDLY_NAME => {
                labels.friendly_name = value.decode_as::<BmpString>().ok().map(|s| s.to_string());
            }
            _ => {}
        }
    }
    labels
}

/// Decode an ANY (whose inner layers may be BER) as `T`.
fn any_as<T: for<'a> Decode<'a, Error = der::Error>>(any: &Any) -> Result<T, KeyFileError> {
    let der = any.to_der().map_err(|_| KeyFileError::Malformed)?;
    decode_ber(&der).map_err(|_| KeyFileError::Malformed)
}

fn content_as<T: for<'a> Decode<'a, Error = der::Error>>(
    info: &ContentInfo,
) -> Result<T, KeyFileError> {
    any_as(info.content.as_ref().ok_or(KeyFileError::Malformed)?)
}
