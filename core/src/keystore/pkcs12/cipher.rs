//! The encryption schemes of key and certificate bags.
//!
//! NCA files use PKCS#12's own password-based encryption (3DES for the key,
//! 40-bit RC2 for the certificates, SHA-1 KDF); OpenSSL 3 and qoltanba's
//! modern profile use PBES2 (PBKDF2-HMAC-SHA256 + AES-256-CBC).

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyIvInit};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::asn1::Pkcs12PbeParams;
use super::kdf::{self, KdfHash};
use crate::keystore::KeyFileError;

pub const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
pub const PBE_SHA1_RC2_40: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
pub const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");

/// One bag's encryption, with its parameters.
pub enum Scheme {
    Sha1TripleDes(Pkcs12PbeParams),
    Sha1Rc2_40(Pkcs12PbeParams),
    Pbes2(Box<pkcs5::pbes2::Parameters>),
}

impl Scheme {
    /// The scheme an AlgorithmIdentifier names.
    pub fn from_identifier(id: &AlgorithmIdentifierOwned) -> Result<Self, KeyFileError> {
        let params = || -> Result<Pkcs12PbeParams, KeyFileError> {
            id.parameters
                .as_ref()
                .ok_or(KeyFileError::Malformed)?
                .decode_as()
                .map_err(|_| KeyFileError::Malformed)
        };
        match id.oid {
            PBE_SHA1_3DES => Ok(Self::Sha1TripleDes(params()?)),
            PBE_SHA1_RC2_40 => Ok(Self::Sha1Rc2_40(params()?)),
            PBES2 => {
                let der = id.to_der().map_err(|_| KeyFileError::Malformed)?;
                match pkcs5::EncryptionScheme::from_der(&der) {
                    Ok(pkcs5::EncryptionScheme::Pbes2(p)) => Ok(Self::Pbes2(Box::new(p))),
                    _ => Err(KeyFileError::UnsupportedAlgorithm(
                        "a PBES2 variant other than PBKDF2 with AES-CBC".into(),
                    )),
                }
            }
            other => Err(KeyFileError::UnsupportedAlgorithm(other.to_string())),
        }
    }

    /// NCA's key-bag encryption with a fresh salt.
    pub fn nca_key(iterations: u32) -> Result<Self, KeyFileError> {
        Ok(Self::Sha1TripleDes(pbe_params(iterations)?))
    }

    /// NCA's certificate-bag encryption with a fresh salt.
    pub fn nca_certificates(iterations: u32) -> Result<Self, KeyFileError> {
        Ok(Self::Sha1Rc2_40(pbe_params(iterations)?))
    }

    /// PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC, fresh salt and IV.
    pub fn modern(iterations: u32) -> Result<Self, KeyFileError> {
        let salt: [u8; 16] = random()?;
        let iv: [u8; 16] = random()?;
        let params =
            pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(iterations, &salt, iv)
                .map_err(|_| KeyFileError::Malformed)?;
        Ok(Self::Pbes2(Box::new(params)))
    }

    pub fn identifier(&self) -> Result<AlgorithmIdentifierOwned, KeyFileError> {
        let encode =
            |oid, params: &Pkcs12PbeParams| -> Result<AlgorithmIdentifierOwned, KeyFileError> {
                Ok(AlgorithmIdentifierOwned {
                    oid,
                    parameters: Some(
                        der::asn1::Any::encode_from(params).map_err(|_| KeyFileError::Malformed)?,
                    ),
                })
            };
        match self {
            Self::Sha1TripleDes(p) => encode(PBE_SHA1_3DES, p),
            Self::Sha1Rc2_40(p) => encode(PBE_SHA1_RC2_40, p),
            Self::Pbes2(p) => {
                let der = pkcs5::EncryptionScheme::Pbes2((**p).clone())
                    .to_der()
                    .map_err(|_| KeyFileError::Malformed)?;
                AlgorithmIdentifierOwned::from_der(&der).map_err(|_| KeyFileError::Malformed)
            }
        }
    }

    pub fn is_legacy(&self) -> bool {
        !matches!(self, Self::Pbes2(_))
    }

    /// Decrypt. A padding failure after a good MAC means a damaged file; the
    /// caller has already ruled out a wrong password through the MAC.
    pub fn decrypt(
        &self,
        password: &str,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
        let plain = match self {
            Self::Sha1TripleDes(p) => {
                let (key, iv) = legacy_key_iv(password, p, 24);
                cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                    .map_err(|_| KeyFileError::Malformed)?
                    .decrypt_padded_vec::<Pkcs7>(ciphertext)
            }
            Self::Sha1Rc2_40(p) => {
                let (key, iv) = legacy_key_iv(password, p, 5);
                let rc2 = rc2::Rc2::new_with_eff_key_len(&key, 40);
                cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, &iv)
                    .map_err(|_| KeyFileError::Malformed)?
                    .decrypt_padded_vec::<Pkcs7>(ciphertext)
            }
            Self::Pbes2(p) => {
                return p
                    .decrypt(password.as_bytes(), ciphertext)
                    .map(Zeroizing::new)
                    .map_err(|_| KeyFileError::WrongPassword);
            }
        };
        plain
            .map(Zeroizing::new)
            .map_err(|_| KeyFileError::WrongPassword)
    }

    pub fn encrypt(&self, password: &str, plaintext: &[u8]) -> Result<Vec<u8>, KeyFileError> {
        Ok(match self {
            Self::Sha1TripleDes(p) => {
                let (key, iv) = legacy_key_iv(password, p, 24);
                cbc::Encryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                    .map_err(|_| KeyFileError::Malformed)?
                    .encrypt_padded_vec::<Pkcs7>(plaintext)
            }
            Self::Sha1Rc2_40(p) => {
                let (key, iv) = legacy_key_iv(password, p, 5);
                let rc2 = rc2::Rc2::new_with_eff_key_len(&key, 40);
                cbc::Encryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, &iv)
                    .map_err(|_| KeyFileError::Malformed)?
                    .encrypt_padded_vec::<Pkcs7>(plaintext)
            }
            Self::Pbes2(p) => p
                .encrypt(password.as_bytes(), plaintext)
                .map_err(|_| KeyFileError::Malformed)?,
        })
    }
}

fn legacy_key_iv(
    password: &str,
    p: &Pkcs12PbeParams,
    key_len: usize,
) -> (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>) {
    let bmp = kdf::bmp_password(password);
    let salt = p.salt.as_bytes();
    (
        kdf::derive(
            KdfHash::Sha1,
            &bmp,
            salt,
            p.iterations,
            kdf::Purpose::Key,
            key_len,
        ),
        kdf::derive(KdfHash::Sha1, &bmp, salt, p.iterations, kdf::Purpose::Iv, 8),
    )
}

fn pbe_params(iterations: u32) -> Result<Pkcs12PbeParams, KeyFileError> {
    let salt: [u8; 20] = random()?;
    Ok(Pkcs12PbeParams {
        salt: OctetString::new(salt.to_vec()).map_err(|_| KeyFileError::Malformed)?,
        iterations,
    })
}

/// Random bytes from the OS.
pub fn random<const N: usize>() -> Result<[u8; N], KeyFileError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| KeyFileError::Random)?;
    Ok(out)
}
