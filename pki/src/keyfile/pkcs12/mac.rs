//! The PKCS#12 integrity MAC: HMAC over the authenticated safe, keyed by the
//! PKCS#12 KDF (ID 3) over the MAC's own hash. It is checked before anything
//! is decrypted, and compared in constant time.

use der::asn1::{Any, OctetString};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::digest::block_api::EagerHash;
use sha2::{Sha224, Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;
use subtle::ConstantTimeEq;

use super::asn1::{DigestInfo, MacData};
use super::kdf::{self, Hash, MAX_ITERATIONS, PasswordBytes, Purpose};
use crate::keyfile::KeyFileError;
use crate::keyfile::random::random;

/// The MAC's hash and iteration count, checked to be ones qoltanba reads.
pub struct MacParams {
    pub hash: Hash,
    pub iterations: u32,
}

impl MacParams {
    pub fn of(mac_data: &MacData) -> Result<Self, KeyFileError> {
        let algorithm = &mac_data.mac.algorithm.oid;
        let hash = Hash::from_oid(algorithm).ok_or_else(|| {
            KeyFileError::UnsupportedAlgorithm(format!("MAC digest OID {algorithm}"))
        })?;
        if mac_data.iterations > MAX_ITERATIONS {
            return Err(KeyFileError::UnsupportedAlgorithm(format!(
                "{} MAC iterations, more than {MAX_ITERATIONS}",
                mac_data.iterations
            )));
        }
        Ok(Self {
            hash,
            iterations: mac_data.iterations,
        })
    }

    /// As `openssl pkcs12 -info` prints it: `sha1, Iteration 1024`.
    pub fn describe(&self) -> String {
        format!("{}, Iteration {}", self.hash.name(), self.iterations)
    }
}

fn compute(
    hash: Hash,
    password: &PasswordBytes<'_>,
    salt: &[u8],
    iterations: u32,
    data: &[u8],
) -> Vec<u8> {
    let key = kdf::pkcs12(
        hash,
        password.bmp(),
        salt,
        iterations,
        Purpose::Mac,
        hash.output_len(),
    );
    let run = match hash {
        Hash::Sha1 => hmac_with::<Sha1>,
        Hash::Sha224 => hmac_with::<Sha224>,
        Hash::Sha256 => hmac_with::<Sha256>,
        Hash::Sha384 => hmac_with::<Sha384>,
        Hash::Sha512 => hmac_with::<Sha512>,
    };
    run(&key, data)
}

fn hmac_with<D: EagerHash>(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts a key of any length; the fallback is never taken.
    let Ok(mut mac) = <Hmac<D> as KeyInit>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Whether `mac_data` over `auth_safe` holds under `password`.
pub fn verifies(
    mac_data: &MacData,
    params: &MacParams,
    password: &PasswordBytes<'_>,
    auth_safe: &[u8],
) -> bool {
    let expected = compute(
        params.hash,
        password,
        mac_data.mac_salt.as_bytes(),
        params.iterations,
        auth_safe,
    );
    bool::from(expected.ct_eq(mac_data.mac.digest.as_bytes()))
}

/// Make the MacData for `auth_safe`, with a fresh salt as long as the hash.
pub fn make(
    hash: Hash,
    password: &PasswordBytes<'_>,
    iterations: u32,
    auth_safe: &[u8],
) -> Result<MacData, KeyFileError> {
    let salt = random::<64>()?[..hash.output_len()].to_vec();
    let digest = compute(hash, password, &salt, iterations, auth_safe);
    Ok(MacData {
        mac: DigestInfo {
            algorithm: AlgorithmIdentifierOwned {
                oid: hash.oid(),
                parameters: Some(Any::null()),
            },
            digest: OctetString::new(digest).map_err(|_| KeyFileError::Malformed)?,
        },
        mac_salt: OctetString::new(salt).map_err(|_| KeyFileError::Malformed)?,
        iterations,
    })
}
