//! The PKCS#12 integrity MAC: HMAC over the authenticated safe, keyed by the
//! PKCS#12 KDF. It is checked before anything is decrypted, in constant time.

use der::asn1::{ObjectIdentifier, OctetString};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;
use spki::AlgorithmIdentifierOwned;
use subtle::ConstantTimeEq;

use super::asn1::{DigestInfo, MacData};
use super::kdf::{self, KdfHash};
use crate::keystore::KeyFileError;
use crate::oid;

fn hash_of(algorithm: &ObjectIdentifier) -> Result<KdfHash, KeyFileError> {
    match *algorithm {
        oid::SHA1 => Ok(KdfHash::Sha1),
        oid::SHA256 => Ok(KdfHash::Sha256),
        other => Err(KeyFileError::UnsupportedAlgorithm(format!(
            "MAC digest {other}"
        ))),
    }
}

fn compute(hash: KdfHash, password: &str, salt: &[u8], iterations: u32, data: &[u8]) -> Vec<u8> {
    let bmp = kdf::bmp_password(password);
    match hash {
        KdfHash::Sha1 => {
            let key = kdf::derive(hash, &bmp, salt, iterations, kdf::Purpose::Mac, 20);
            let mut mac = Hmac::<Sha1>::new_from_slice(&key).expect("HMAC takes any key length");
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        KdfHash::Sha256 => {
            let key = kdf::derive(hash, &bmp, salt, iterations, kdf::Purpose::Mac, 32);
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
    }
}

/// Check `mac_data` over `auth_safe` with `password`.
pub fn verify(mac_data: &MacData, password: &str, auth_safe: &[u8]) -> Result<(), KeyFileError> {
    let hash = hash_of(&mac_data.mac.algorithm.oid)?;
    let expected = compute(
        hash,
        password,
        mac_data.mac_salt.as_bytes(),
        mac_data.iterations,
        auth_safe,
    );
    if bool::from(expected.ct_eq(mac_data.mac.digest.as_bytes())) {
        Ok(())
    } else {
        Err(KeyFileError::WrongPassword)
    }
}

/// Make the MacData for `auth_safe`.
pub fn make(
    hash: KdfHash,
    password: &str,
    iterations: u32,
    auth_safe: &[u8],
) -> Result<MacData, KeyFileError> {
    let (salt, digest_oid): (Vec<u8>, _) = match hash {
        KdfHash::Sha1 => (super::cipher::random::<20>()?.to_vec(), oid::SHA1),
        KdfHash::Sha256 => (super::cipher::random::<32>()?.to_vec(), oid::SHA256),
    };
    let digest = compute(hash, password, &salt, iterations, auth_safe);
    Ok(MacData {
        mac: DigestInfo {
            algorithm: AlgorithmIdentifierOwned {
                oid: digest_oid,
                parameters: Some(der::asn1::Any::null()),
            },
            digest: OctetString::new(digest).map_err(|_| KeyFileError::Malformed)?,
        },
        mac_salt: OctetString::new(salt).map_err(|_| KeyFileError::Malformed)?,
        iterations,
    })
}
