//! The one abstraction over every place a private key can live.

use spki::SubjectPublicKeyInfoOwned;

use super::SignatureAlgorithm;

/// Something that holds a private key and signs with it: a decrypted key file
/// in memory, a platform keystore handle, a key slot on the ID card.
///
/// `sign` takes the whole message, not a digest: ring hashes internally, the
/// platform keystores want the message, and the card profile decides itself
/// whether to hash on or off the card.
pub trait Signer: Send + Sync {
    /// The signature algorithm this key produces.
    fn algorithm(&self) -> SignatureAlgorithm;

    /// The public half, as it goes into a CSR or is matched against a certificate.
    fn public_key(&self) -> &SubjectPublicKeyInfoOwned;

    /// Sign `message`. The output is in the encoding the algorithm's
    /// certificates use (PKCS#1 v1.5 block, DER ECDSA-Sig-Value, Kazakh GOST r‖s).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// Why a signature could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the key cannot sign with {0}; use a key of a supported algorithm")]
    UnsupportedAlgorithm(String),
    #[error("the signing device failed: {0}")]
    Device(String),
    /// The device went away mid-operation (the ID card left the NFC field);
    /// the operation can be started again once it is back.
    #[error("{0}")]
    DeviceLost(String),
    /// The key lives behind the device's lock (a keystore key made with
    /// user authentication) and the user has not unlocked recently: unlock,
    /// then sign again.
    #[error("unlock the phone (fingerprint, face or passcode) to use the key, then try again")]
    UserNotAuthenticated,
    #[error("the system random number generator failed; try again")]
    Random,
}

/// An ECDSA signature as devices give it, `r ‖ s` (two big-endian numbers of
/// the curve's size: 32 + 32 bytes for P-256), in the DER ECDSA-Sig-Value
/// that certificates, CSRs and CMS carry (what [`Signer::sign`] returns).
/// PKCS#11's CKM_ECDSA and the ID card answer the raw form.
pub fn ecdsa_signature_der(raw: &[u8]) -> Result<Vec<u8>, SignError> {
    #[derive(der::Sequence)]
    struct EcdsaSigValue<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return Err(SignError::Device(format!(
            "an ECDSA signature of {} bytes is not r ‖ s",
            raw.len()
        )));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    // UintRef wants the minimal encoding: no leading zeros (zero stays one byte).
    let minimal = |x: &[u8]| -> Vec<u8> {
        let first = x.iter().position(|b| *b != 0).unwrap_or(x.len() - 1);
        x[first..].to_vec()
    };
    let (r, s) = (minimal(r), minimal(s));
    let bad = |e: der::Error| SignError::Device(format!("the ECDSA signature: {e}"));
    der::Encode::to_der(&EcdsaSigValue {
        r: der::asn1::UintRef::new(&r).map_err(bad)?,
        s: der::asn1::UintRef::new(&s).map_err(bad)?,
    })
    .map_err(bad)
}

#[cfg(test)]
mod tests {
    use der::Decode;

    use super::*;
    use crate::crypto::{KeySpec, generate, rsa_spki, verify_signature};

    #[derive(der::Sequence)]
    struct SigValue<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }

    fn padded(x: &[u8]) -> Vec<u8> {
        let mut out = vec![0; 32 - x.len()];
        out.extend_from_slice(x);
        out
    }

    #[test]
    fn raw_ecdsa_signatures_become_the_der_that_verifies() {
        let key = generate(KeySpec::P256).unwrap();
        // Enough signatures that some r or s has a leading zero or high bit.
        for i in 0..64u8 {
            let message = [i; 7];
            let der = key.sign(&message).unwrap();
            let value = SigValue::from_der(&der).unwrap();
            let mut raw = padded(value.r.as_bytes());
            raw.extend(padded(value.s.as_bytes()));
            let again = ecdsa_signature_der(&raw).unwrap();
            assert_eq!(again, der);
            verify_signature(
                key.public_key(),
                &key.algorithm().identifier(),
                &message,
                &again,
            )
            .unwrap();
        }
        assert!(ecdsa_signature_der(&[]).is_err());
        assert!(ecdsa_signature_der(&[1, 2, 3]).is_err());
    }

    #[test]
    fn rsa_numbers_become_the_keys_own_spki() {
        #[derive(der::Sequence)]
        struct RsaPublicKey<'a> {
            modulus: der::asn1::UintRef<'a>,
            public_exponent: der::asn1::UintRef<'a>,
        }
        let key = generate(KeySpec::Rsa2048).unwrap();
        let bits = key.public_key().subject_public_key.raw_bytes();
        let numbers = RsaPublicKey::from_der(bits).unwrap();
        // Tokens may give the modulus with a leading zero byte.
        let mut modulus = vec![0];
        modulus.extend_from_slice(numbers.modulus.as_bytes());
        let spki = rsa_spki(&modulus, numbers.public_exponent.as_bytes()).unwrap();
        assert_eq!(&spki, key.public_key());
        assert!(rsa_spki(&[], &[1, 0, 1]).is_err());
    }
}
