//! Generating new software keys.
//!
//! P-256 comes from ring, GOST 2015-512 from [`super::gost`]. ring cannot generate RSA keys, so RSA generation uses
//! the RustCrypto `rsa` crate; the result is handed to ring as PKCS#8 at once
//! and `rsa` never performs a private-key operation: its constant-time story
//! for decryption/signing (RUSTSEC-2023-0071, the Marvin timing attack) is
//! weaker than ring's, whereas key generation happens once, offline, on the
//! citizen's own device.

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use zeroize::Zeroizing;

use super::gost::GostSigningKey;
use super::{KeyError, SoftwareKey};

/// What kind of key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySpec {
    Rsa2048,
    Rsa3072,
    P256,
    /// GOST 2015-512 on TC26 paramSetA: what NCA issues today.
    Gost512,
}

impl KeySpec {
    pub fn name(self) -> &'static str {
        match self {
            Self::Rsa2048 => "rsa2048",
            Self::Rsa3072 => "rsa3072",
            Self::P256 => "p256",
            Self::Gost512 => "gost512",
        }
    }
}

impl std::str::FromStr for KeySpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "rsa2048" | "rsa-2048" | "rsa" => Ok(Self::Rsa2048),
            "rsa3072" | "rsa-3072" => Ok(Self::Rsa3072),
            "p256" | "p-256" | "ecdsa-p256" => Ok(Self::P256),
            "gost512" | "gost2015" | "gost2015-512" | "gost" => Ok(Self::Gost512),
            other => Err(format!(
                "unknown key algorithm '{other}'; use gost512, rsa2048, rsa3072 or p256"
            )),
        }
    }
}

/// Generate a new key in memory.
pub fn generate(spec: KeySpec) -> Result<SoftwareKey, KeyError> {
    let pkcs8: Zeroizing<Vec<u8>> = match spec {
        KeySpec::P256 => {
            let doc =
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
                    .map_err(|_| KeyError::Generation("the system RNG failed".into()))?;
            Zeroizing::new(doc.as_ref().to_vec())
        }
        KeySpec::Rsa2048 | KeySpec::Rsa3072 => {
            use rsa::pkcs8::EncodePrivateKey;
            let bits = if spec == KeySpec::Rsa2048 { 2048 } else { 3072 };
            let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits)
                .map_err(|e| KeyError::Generation(e.to_string()))?;
            let doc = key
                .to_pkcs8_der()
                .map_err(|e| KeyError::Generation(e.to_string()))?;
            Zeroizing::new(doc.as_bytes().to_vec())
        }
        KeySpec::Gost512 => GostSigningKey::generate()?.to_pkcs8_der()?,
    };
    SoftwareKey::from_pkcs8_der(&pkcs8)
}
