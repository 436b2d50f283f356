//! Password-based encryption of key and certificate bags.
//!
//! NCA files use PKCS#12's own schemes (appendix C: 3DES for the key, 40-bit
//! RC2 for the certificates, keys and IVs from the SHA-1 PKCS#12 KDF); OpenSSL
//! 3 and qoltanba's modern profile use PBES2 (RFC 8018: PBKDF2 and a CBC
//! cipher). The parameters are read with typed ASN.1 (`Pkcs12PbeParams`,
//! `pkcs5::pbes2::Parameters`); the derivation runs here so that every derived
//! key is zeroized and a derivation shared by two bags runs once ([`Keys`]).

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit,
    KeyInit, KeyIvInit,
};
use der::asn1::{Any, ObjectIdentifier, OctetString};
use pkcs5::pbes2::{self, EncryptionScheme, Kdf, Pbkdf2Params, Salt};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::asn1::{Pbes2Params, Pkcs12PbeParams, decode_any};
use super::kdf::{self, Hash, MAX_ITERATIONS, PasswordBytes, Purpose};
use crate::keyfile::KeyFileError;
use crate::keyfile::random::random;

pub const PBE_SHA1_RC4_128: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.1");
pub const PBE_SHA1_RC4_40: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.2");
pub const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
pub const PBE_SHA1_2DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
pub const PBE_SHA1_RC2_128: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
pub const PBE_SHA1_RC2_40: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
pub const PBES2: ObjectIdentifier = pbes2::PBES2_OID;
const PBKDF2: ObjectIdentifier = pbes2::PBKDF2_OID;

/// A bag's encryption scheme with its parameters.
#[derive(Clone, Debug)]
pub enum Scheme {
    /// PKCS#12 appendix C: key and IV from the PKCS#12 KDF over SHA-1.
    Pkcs12 {
        cipher: LegacyCipher,
        salt: Vec<u8>,
        iterations: u32,
    },
    /// PBES2 with PBKDF2; the IV travels in the parameters.
    Pbes2 {
        prf: Hash,
        salt: Vec<u8>,
        iterations: u32,
        cipher: Pbes2Cipher,
    },
}

/// The ciphers of PKCS#12's own schemes that NCA uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegacyCipher {
    /// pbeWithSHAAnd3-KeyTripleDES-CBC (NCA's key bag).
    TripleDes,
    /// pbeWithSHAAnd40BitRC2-CBC (NCA's certificate bag).
    Rc2_40,
}

/// The PBES2 ciphers read, all in CBC mode with the IV they carry: the
/// AES and 3DES choices of OpenSSL's `-keypbe`/`-certpbe`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pbes2Cipher {
    Aes128([u8; 16]),
    Aes192([u8; 16]),
    Aes256([u8; 16]),
    DesEde3([u8; 8]),
}

impl Pbes2Cipher {
    fn key_len(self) -> usize {
        match self {
            Self::Aes128(_) => 16,
            Self::Aes192(_) | Self::DesEde3(_) => 24,
            Self::Aes256(_) => 32,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Aes128(_) => "AES-128-CBC",
            Self::Aes192(_) => "AES-192-CBC",
            Self::Aes256(_) => "AES-256-CBC",
            Self::DesEde3(_) => "DES-EDE3-CBC",
        }
    }

    fn to_pkcs5(self) -> EncryptionScheme {
        match self {
            Self::Aes128(iv) => EncryptionScheme::Aes128Cbc { iv },
            Self::Aes192(iv) => EncryptionScheme::Aes192Cbc { iv },
            Self::Aes256(iv) => EncryptionScheme::Aes256Cbc { iv },
            Self::DesEde3(iv) => EncryptionScheme::DesEde3Cbc { iv },
        }
    }
}

/// A name for an OID of an algorithm qoltanba does not read, so the message
/// says more than digits.
fn unsupported(what: &str, id: ObjectIdentifier) -> KeyFileError {
    let name = match id {
        PBE_SHA1_RC4_128 => Some("pbeWithSHAAnd128BitRC4"),
        PBE_SHA1_RC4_40 => Some("pbeWithSHAAnd40BitRC4"),
        PBE_SHA1_2DES => Some("pbeWithSHAAnd2-KeyTripleDES-CBC"),
        PBE_SHA1_RC2_128 => Some("pbeWithSHAAnd128BitRC2-CBC"),
        pbes2::SCRYPT_OID => Some("scrypt"),
        pbes2::AES_128_GCM_OID => Some("AES-128-GCM"),
        pbes2::AES_256_GCM_OID => Some("AES-256-GCM"),
        _ => None,
    };
    KeyFileError::UnsupportedAlgorithm(match name {
        Some(name) => format!("{what} {name}, OID {id}"),
        None => format!("{what} OID {id}"),
    })
}

fn check_iterations(iterations: u32) -> Result<u32, KeyFileError> {
    if iterations > MAX_ITERATIONS {
        return Err(KeyFileError::UnsupportedAlgorithm(format!(
            "{iterations} key-derivation iterations, more than {MAX_ITERATIONS}"
        )));
    }
    Ok(iterations)
}

impl Scheme {
    /// The scheme an AlgorithmIdentifier names.
    pub fn from_identifier(id: &AlgorithmIdentifierOwned) -> Result<Self, KeyFileError> {
        let params = id.parameters.as_ref().ok_or(KeyFileError::Malformed)?;
        match id.oid {
            PBE_SHA1_3DES | PBE_SHA1_RC2_40 => {
                let p: Pkcs12PbeParams = decode_any(params).map_err(|_| KeyFileError::Malformed)?;
                Ok(Self::Pkcs12 {
                    cipher: if id.oid == PBE_SHA1_3DES {
                        LegacyCipher::TripleDes
                    } else {
                        LegacyCipher::Rc2_40
                    },
                    salt: p.salt.as_bytes().to_vec(),
                    iterations: check_iterations(p.iterations)?,
                })
            }
            PBES2 => Self::pbes2_from(params),
            other => Err(unsupported("encryption", other)),
        }
    }

    fn pbes2_from(params: &Any) -> Result<Self, KeyFileError> {
        // Name an unknown KDF or cipher by its OID before the typed decode,
        // which would only say "unknown OID".
        let generic: Pbes2Params = decode_any(params).map_err(|_| KeyFileError::Malformed)?;
        if generic.key_derivation.oid != PBKDF2 {
            return Err(unsupported(
                "PBES2 key derivation",
                generic.key_derivation.oid,
            ));
        }
        let typed: pbes2::Parameters = decode_any(params).map_err(|e| match e.kind() {
            der::ErrorKind::OidUnknown { oid } => unsupported("PBES2", oid),
            _ => KeyFileError::Malformed,
        })?;
        let Kdf::Pbkdf2(kdf) = typed.kdf else {
            return Err(unsupported(
                "PBES2 key derivation",
                generic.key_derivation.oid,
            ));
        };
        let cipher = match typed.encryption {
            EncryptionScheme::Aes128Cbc { iv } => Pbes2Cipher::Aes128(iv),
            EncryptionScheme::Aes192Cbc { iv } => Pbes2Cipher::Aes192(iv),
            EncryptionScheme::Aes256Cbc { iv } => Pbes2Cipher::Aes256(iv),
            EncryptionScheme::DesEde3Cbc { iv } => Pbes2Cipher::DesEde3(iv),
            other => return Err(unsupported("PBES2 cipher", other.oid())),
        };
        if kdf
            .key_length
            .is_some_and(|len| usize::from(len) != cipher.key_len())
        {
            return Err(KeyFileError::Malformed);
        }
        let prf =
            Hash::from_prf(kdf.prf).ok_or_else(|| unsupported("PBKDF2 PRF", kdf.prf.oid()))?;
        Ok(Self::Pbes2 {
            prf,
            salt: kdf.salt.as_bytes().to_vec(),
            iterations: check_iterations(kdf.iteration_count)?,
            cipher,
        })
    }

    /// NCA's key-bag encryption with a fresh 20-byte salt (as NCA's).
    pub fn nca_key(iterations: u32) -> Result<Self, KeyFileError> {
        Ok(Self::Pkcs12 {
            cipher: LegacyCipher::TripleDes,
            salt: random::<20>()?.to_vec(),
            iterations,
        })
    }

    /// NCA's certificate-bag encryption with a fresh 20-byte salt.
    pub fn nca_certificates(iterations: u32) -> Result<Self, KeyFileError> {
        Ok(Self::Pkcs12 {
            cipher: LegacyCipher::Rc2_40,
            salt: random::<20>()?.to_vec(),
            iterations,
        })
    }

    /// PBES2: PBKDF2-HMAC-SHA256 with `salt`, AES-256-CBC with a fresh IV.
    pub fn modern(salt: &[u8], iterations: u32) -> Result<Self, KeyFileError> {
        Ok(Self::Pbes2 {
            prf: Hash::Sha256,
            salt: salt.to_vec(),
            iterations,
            cipher: Pbes2Cipher::Aes256(random()?),
        })
    }

    pub fn identifier(&self) -> Result<AlgorithmIdentifierOwned, KeyFileError> {
        let malformed = |_| KeyFileError::Malformed;
        let (oid, parameters) = match self {
            Self::Pkcs12 {
                cipher,
                salt,
                iterations,
            } => (
                match cipher {
                    LegacyCipher::TripleDes => PBE_SHA1_3DES,
                    LegacyCipher::Rc2_40 => PBE_SHA1_RC2_40,
                },
                Any::encode_from(&Pkcs12PbeParams {
                    salt: OctetString::new(salt.clone()).map_err(malformed)?,
                    iterations: *iterations,
                })
                .map_err(malformed)?,
            ),
            Self::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
            } => {
                let kdf = Pbkdf2Params {
                    salt: Salt::new(salt).map_err(|_| KeyFileError::Malformed)?,
                    iteration_count: *iterations,
                    key_length: None,
                    prf: prf.prf(),
                };
                let params = pbes2::Parameters {
                    kdf: kdf.into(),
                    encryption: cipher.to_pkcs5(),
                };
                (PBES2, Any::encode_from(&params).map_err(malformed)?)
            }
        };
        Ok(AlgorithmIdentifierOwned {
            oid,
            parameters: Some(parameters),
        })
    }

    /// NCA's (PKCS#12) schemes, as opposed to PBES2: what decides a file's
    /// [`Profile`](super::Profile).
    pub fn is_legacy(&self) -> bool {
        matches!(self, Self::Pkcs12 { .. })
    }

    /// The scheme as `openssl pkcs12 -info` prints it, e.g.
    /// `pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024`.
    pub fn describe(&self) -> String {
        match self {
            Self::Pkcs12 {
                cipher, iterations, ..
            } => {
                let name = match cipher {
                    LegacyCipher::TripleDes => "pbeWithSHA1And3-KeyTripleDES-CBC",
                    LegacyCipher::Rc2_40 => "pbeWithSHA1And40BitRC2-CBC",
                };
                format!("{name}, Iteration {iterations}")
            }
            Self::Pbes2 {
                prf,
                iterations,
                cipher,
                ..
            } => format!(
                "PBES2, PBKDF2, {}, Iteration {iterations}, PRF hmacWith{}",
                cipher.name(),
                prf.name().to_uppercase()
            ),
        }
    }

    /// Decrypt. The caller has checked the MAC, so a padding failure here
    /// means a damaged file (or one whose encryption password differs from
    /// its MAC password), never a wrong password.
    pub fn decrypt(
        &self,
        keys: &mut Keys<'_>,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
        let plain = match self {
            Self::Pkcs12 {
                cipher,
                salt,
                iterations,
            } => {
                let (key, iv) = keys.pkcs12_key_iv(*cipher, salt, *iterations);
                match cipher {
                    LegacyCipher::TripleDes => cbc_decrypt::<des::TdesEde3>(&key, &iv, ciphertext),
                    LegacyCipher::Rc2_40 => {
                        let rc2 = rc2::Rc2::new_with_eff_key_len(&key, 40);
                        cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, &iv)
                            .ok()
                            .and_then(|d| d.decrypt_padded_vec::<Pkcs7>(ciphertext).ok())
                    }
                }
            }
            Self::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
            } => {
                let key = keys.pbkdf2(*prf, salt, *iterations, cipher.key_len());
                match cipher {
                    Pbes2Cipher::Aes128(iv) => cbc_decrypt::<aes::Aes128>(&key, iv, ciphertext),
                    Pbes2Cipher::Aes192(iv) => cbc_decrypt::<aes::Aes192>(&key, iv, ciphertext),
                    Pbes2Cipher::Aes256(iv) => cbc_decrypt::<aes::Aes256>(&key, iv, ciphertext),
                    Pbes2Cipher::DesEde3(iv) => cbc_decrypt::<des::TdesEde3>(&key, iv, ciphertext),
                }
            }
        };
        plain.map(Zeroizing::new).ok_or(KeyFileError::Malformed)
    }

    pub fn encrypt(&self, keys: &mut Keys<'_>, plaintext: &[u8]) -> Result<Vec<u8>, KeyFileError> {
        let out = match self {
            Self::Pkcs12 {
                cipher,
                salt,
                iterations,
            } => {
                let (key, iv) = keys.pkcs12_key_iv(*cipher, salt, *iterations);
                match cipher {
                    LegacyCipher::TripleDes => cbc_encrypt::<des::TdesEde3>(&key, &iv, plaintext),
                    LegacyCipher::Rc2_40 => {
                        let rc2 = rc2::Rc2::new_with_eff_key_len(&key, 40);
                        cbc::Encryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, &iv)
                            .ok()
                            .map(|e| e.encrypt_padded_vec::<Pkcs7>(plaintext))
                    }
                }
            }
            Self::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
            } => {
                let key = keys.pbkdf2(*prf, salt, *iterations, cipher.key_len());
                match cipher {
                    Pbes2Cipher::Aes128(iv) => cbc_encrypt::<aes::Aes128>(&key, iv, plaintext),
                    Pbes2Cipher::Aes192(iv) => cbc_encrypt::<aes::Aes192>(&key, iv, plaintext),
                    Pbes2Cipher::Aes256(iv) => cbc_encrypt::<aes::Aes256>(&key, iv, plaintext),
                    Pbes2Cipher::DesEde3(iv) => cbc_encrypt::<des::TdesEde3>(&key, iv, plaintext),
                }
            }
        };
        out.ok_or(KeyFileError::Malformed)
    }
}

fn cbc_decrypt<C: BlockCipherDecrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Option<Vec<u8>> {
    cbc::Decryptor::<C>::new_from_slices(key, iv)
        .ok()?
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .ok()
}

fn cbc_encrypt<C: BlockCipherEncrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    plaintext: &[u8],
) -> Option<Vec<u8>> {
    Some(
        cbc::Encryptor::<C>::new_from_slices(key, iv)
            .ok()?
            .encrypt_padded_vec::<Pkcs7>(plaintext),
    )
}

/// What a derived key was derived from: the cache's index.
#[derive(PartialEq, Eq)]
enum Derivation {
    Pkcs12(Purpose, Vec<u8>, u32, usize),
    Pbkdf2(Hash, Vec<u8>, u32, usize),
}

/// Derives bag keys from one password and remembers them for the duration of
/// one read or write, so that bags sharing KDF parameters pay the slow KDF
/// once (qoltanba's modern files encrypt the key and the certificates under
/// one PBKDF2 run). Every key is zeroized when this is dropped.
pub struct Keys<'p> {
    password: &'p PasswordBytes<'p>,
    cache: Vec<(Derivation, Zeroizing<Vec<u8>>)>,
}

impl<'p> Keys<'p> {
    pub fn new(password: &'p PasswordBytes<'p>) -> Self {
        Self {
            password,
            cache: Vec::new(),
        }
    }

    fn remember(
        &mut self,
        what: Derivation,
        derive: impl FnOnce(&PasswordBytes<'_>) -> Zeroizing<Vec<u8>>,
    ) -> Zeroizing<Vec<u8>> {
        if let Some((_, key)) = self.cache.iter().find(|(w, _)| *w == what) {
            return key.clone();
        }
        let key = derive(self.password);
        self.cache.push((what, key.clone()));
        key
    }

    fn pkcs12_key_iv(
        &mut self,
        cipher: LegacyCipher,
        salt: &[u8],
        iterations: u32,
    ) -> (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>) {
        let key_len = match cipher {
            LegacyCipher::TripleDes => 24,
            LegacyCipher::Rc2_40 => 5,
        };
        let mut part = |purpose, len| {
            self.remember(
                Derivation::Pkcs12(purpose, salt.to_vec(), iterations, len),
                |p| kdf::pkcs12(Hash::Sha1, p.bmp(), salt, iterations, purpose, len),
            )
        };
        (part(Purpose::Key, key_len), part(Purpose::Iv, 8))
    }

    fn pbkdf2(
        &mut self,
        prf: Hash,
        salt: &[u8],
        iterations: u32,
        len: usize,
    ) -> Zeroizing<Vec<u8>> {
        self.remember(
            Derivation::Pbkdf2(prf, salt.to_vec(), iterations, len),
            |p| kdf::pbkdf2(prf, p.utf8(), salt, iterations, len),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(scheme: &Scheme) {
        let password = PasswordBytes::new("Qwerty12");
        let mut keys = Keys::new(&password);
        let ct = scheme.encrypt(&mut keys, b"plaintext bytes").unwrap();
        let back = Scheme::from_identifier(&scheme.identifier().unwrap()).unwrap();
        let mut fresh = Keys::new(&password);
        assert_eq!(&*back.decrypt(&mut fresh, &ct).unwrap(), b"plaintext bytes");
    }

    #[test]
    fn every_written_scheme_round_trips_through_its_identifier() {
        round_trip(&Scheme::nca_key(1024).unwrap());
        round_trip(&Scheme::nca_certificates(1024).unwrap());
        round_trip(&Scheme::modern(&[7; 16], 1000).unwrap());
    }

    #[test]
    fn descriptions_follow_openssl() {
        assert_eq!(
            Scheme::nca_key(1024).unwrap().describe(),
            "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024"
        );
        assert_eq!(
            Scheme::modern(&[0; 16], 2048).unwrap().describe(),
            "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256"
        );
    }

    #[test]
    fn unknown_schemes_are_named() {
        let id = AlgorithmIdentifierOwned {
            oid: PBE_SHA1_RC4_128,
            parameters: Some(Any::null()),
        };
        let err = Scheme::from_identifier(&id).unwrap_err().to_string();
        assert!(err.contains("pbeWithSHAAnd128BitRC4") && err.contains("1.2.840.113549.1.12.1.1"));
        let mut huge = Scheme::nca_key(1024).unwrap();
        if let Scheme::Pkcs12 { iterations, .. } = &mut huge {
            *iterations = u32::MAX;
        }
        assert!(matches!(
            Scheme::from_identifier(&huge.identifier().unwrap()),
            Err(KeyFileError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn one_derivation_serves_bags_with_the_same_parameters() {
        let password = PasswordBytes::new("Qwerty12");
        let mut keys = Keys::new(&password);
        let a = Scheme::modern(&[1; 16], 1000).unwrap();
        let b = Scheme::modern(&[1; 16], 1000).unwrap();
        a.encrypt(&mut keys, b"x").unwrap();
        b.encrypt(&mut keys, b"y").unwrap();
        assert_eq!(keys.cache.len(), 1);
    }
}
