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
