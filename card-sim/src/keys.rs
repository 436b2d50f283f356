//! The card's own key pairs (RSA-2048 or ECDSA P-256), stored as PKCS#8
//! DER, and the checks ACTIVATE KEYS makes on certificate files.
//!
//! The card signs what it is given: a DER `DigestInfo` (RSA, PKCS#1 v1.5
//! type 1 padding added here) or a 32-byte hash (P-256, answer `r ‖ s`).

use der::{Decode, Encode};
use p256::ecdsa::signature::hazmat::PrehashSigner;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

/// A key algorithm of the profile (`80 01` alg).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum KeyAlg {
    /// `01`: RSA-2048, exponent 65537.
    Rsa2048,
    /// `02`: ECDSA on NIST P-256.
    P256,
}

impl KeyAlg {
    /// The profile's algorithm byte.
    pub fn code(self) -> u8 {
        match self {
            KeyAlg::Rsa2048 => 0x01,
            KeyAlg::P256 => 0x02,
        }
    }

    /// The length of the public key template (`7F49`) of a key of this
    /// algorithm: RSA `7F49 82 01 09 {81 82 01 00 n, 82 03 e}`, P-256
    /// `7F49 43 {86 41 point}`.
    pub fn public_template_len(self) -> usize {
        match self {
            KeyAlg::Rsa2048 => 2 + 3 + (4 + 256) + 5,
            KeyAlg::P256 => 2 + 1 + (2 + 65),
        }
    }

    /// From the algorithm byte; `03` (GOST, reserved) and others are `None`.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0x01 => Some(KeyAlg::Rsa2048),
            0x02 => Some(KeyAlg::P256),
            _ => None,
        }
    }
}

impl std::str::FromStr for KeyAlg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "rsa2048" | "rsa" => Ok(KeyAlg::Rsa2048),
            "p256" | "p-256" => Ok(KeyAlg::P256),
            other => Err(format!(
                "unknown key algorithm '{other}'; use rsa2048 or p256"
            )),
        }
    }
}

/// The longest RSA signature input: a SHA-512 DigestInfo (19 + 64 bytes).
/// The card does not parse it; PKCS#1 v1.5 type 1 padding fills the rest.
pub const RSA_INPUT_MAX: usize = 83;

/// Why a key operation failed (the card answers a status word for each).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key generation failed: {0}")]
    Generate(String),
    #[error("stored key is unreadable")]
    Stored,
    #[error("signature input has the wrong length")]
    Input,
    #[error("signing failed")]
    Sign,
}

/// One key pair, parsed from its PKCS#8 form.
pub enum CardKey {
    Rsa(Box<rsa::PrivateKey>),
    P256(p256::ecdsa::SigningKey),
}

impl CardKey {
    /// Generate a new key pair; returns its PKCS#8 DER.
    pub fn generate(alg: KeyAlg) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        match alg {
            KeyAlg::Rsa2048 => {
                let key = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048)
                    .map_err(|e| KeyError::Generate(e.to_string()))?;
                let doc = key
                    .to_pkcs8_der()
                    .map_err(|e| KeyError::Generate(e.to_string()))?;
                Ok(Zeroizing::new(doc.as_bytes().to_vec()))
            }
            KeyAlg::P256 => {
                for _ in 0..64 {
                    let mut bytes = Zeroizing::new([0u8; 32]);
                    getrandom::fill(bytes.as_mut())
                        .map_err(|e| KeyError::Generate(e.to_string()))?;
                    if let Ok(secret) = p256::SecretKey::from_slice(bytes.as_ref()) {
                        let doc = p256::pkcs8::EncodePrivateKey::to_pkcs8_der(&secret)
                            .map_err(|e| KeyError::Generate(e.to_string()))?;
                        return Ok(Zeroizing::new(doc.as_bytes().to_vec()));
                    }
                }
                Err(KeyError::Generate("no valid P-256 scalar".into()))
            }
        }
    }

    /// Parse a stored key.
    pub fn from_pkcs8(alg: KeyAlg, der: &[u8]) -> Result<Self, KeyError> {
        match alg {
            KeyAlg::Rsa2048 => rsa::PrivateKey::from_pkcs8_der(der)
                .map(|k| CardKey::Rsa(Box::new(k)))
                .map_err(|_| KeyError::Stored),
            KeyAlg::P256 => {
                let secret =
                    <p256::SecretKey as p256::pkcs8::DecodePrivateKey>::from_pkcs8_der(der)
                        .map_err(|_| KeyError::Stored)?;
                Ok(CardKey::P256(p256::ecdsa::SigningKey::from(secret)))
            }
        }
    }

    /// The SubjectPublicKeyInfo (DER), as a certificate carries it.
    pub fn spki_der(&self) -> Result<Vec<u8>, KeyError> {
        match self {
            CardKey::Rsa(k) => k
                .to_public_key()
                .to_public_key_der()
                .map(|d| d.as_bytes().to_vec())
                .map_err(|_| KeyError::Stored),
            CardKey::P256(k) => p256::pkcs8::EncodePublicKey::to_public_key_der(k.verifying_key())
                .map(|d| d.as_bytes().to_vec())
                .map_err(|_| KeyError::Stored),
        }
    }

    /// RSA: the 256-byte modulus; P-256: `04 ‖ X ‖ Y`.
    pub fn public_bytes(&self) -> Vec<u8> {
        match self {
            CardKey::Rsa(k) => left_pad(&k.n_bytes(), 256),
            CardKey::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    /// The profile's public key template `7F49 { 81 n, 82 e }` or
    /// `7F49 { 86 point }`.
    pub fn public_template(&self) -> Vec<u8> {
        use crate::apdu::tlv::encode;
        let inner = match self {
            CardKey::Rsa(_) => {
                let mut v = encode(0x81, &self.public_bytes());
                v.extend_from_slice(&encode(0x82, &[0x01, 0x00, 0x01]));
                v
            }
            CardKey::P256(_) => encode(0x86, &self.public_bytes()),
        };
        encode(0x7F49, &inner)
    }

    /// Sign: RSA over a DigestInfo (≤ 83 bytes), P-256 over a 32-byte hash.
    pub fn sign(&self, input: &[u8]) -> Result<Vec<u8>, KeyError> {
        match self {
            CardKey::Rsa(k) => {
                if input.is_empty() || input.len() > RSA_INPUT_MAX {
                    return Err(KeyError::Input);
                }
                let sig = k
                    .sign(rsa::Pkcs1v15Sign::new_unprefixed(), input)
                    .map_err(|_| KeyError::Sign)?;
                Ok(left_pad(&sig, 256))
            }
            CardKey::P256(k) => {
                if input.len() != 32 {
                    return Err(KeyError::Input);
                }
                let sig: p256::ecdsa::Signature =
                    k.sign_prehash(input).map_err(|_| KeyError::Sign)?;
                Ok(sig.to_bytes().to_vec())
            }
        }
    }
}

fn left_pad(bytes: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len.saturating_sub(bytes.len())];
    out.extend_from_slice(bytes);
    out
}

/// Whether a certificate file holds one complete DER certificate whose
/// SubjectPublicKeyInfo is `spki_der`. The certificate's length comes from
/// its DER header (`30 82 LL LL`); what follows it is not looked at (a
/// file erased by GENERATE holds zero bytes there).
pub fn certificate_matches(file: &[u8], spki_der: &[u8]) -> bool {
    let Some((0x30, _, rest)) = crate::apdu::tlv::read(file) else {
        return false;
    };
    let cert_len = file.len() - rest.len();
    let Ok(cert) = x509_cert::Certificate::from_der(&file[..cert_len]) else {
        return false;
    };
    let Ok(theirs) = cert.tbs_certificate().subject_public_key_info().to_der() else {
        return false;
    };
    let Ok(ours) = spki::SubjectPublicKeyInfoOwned::from_der(spki_der) else {
        return false;
    };
    // Compare algorithm and key bits, not encodings of optional NULLs.
    let Ok(theirs) = spki::SubjectPublicKeyInfoOwned::from_der(&theirs) else {
        return false;
    };
    theirs.algorithm.oid == ours.algorithm.oid
        && theirs.subject_public_key == ours.subject_public_key
}
