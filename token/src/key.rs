//! A private key on a token as a [`Signer`]: RSA with CKM_SHA256_RSA_PKCS
//! (the token hashes and pads), P-256 with CKM_ECDSA over the SHA-256
//! digest, the token's r ‖ s turned into the DER the certificates use.

use std::sync::{Arc, Mutex};

use cryptoki::mechanism::Mechanism;
use cryptoki::object::ObjectHandle;
use cryptoki::session::Session;
use spki::SubjectPublicKeyInfoOwned;

use crate::error::TokenError;
use crate::session::{KeyKind, TokenKeyEntry, TokenSession};
use qoltanba_pki::crypto::{
    DigestAlgorithm, SignError, SignatureAlgorithm, Signer, ecdsa_signature_der,
};

/// A private key on a token, signing through the logged-in session it came
/// from (the session stays open while the key lives).
pub struct TokenKey {
    session: Arc<Mutex<Session>>,
    handle: ObjectHandle,
    entry: TokenKeyEntry,
    public_key: SubjectPublicKeyInfoOwned,
    algorithm: SignatureAlgorithm,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey")
            .field("id", &self.entry.id_hex())
            .field("kind", &self.entry.kind)
            .finish_non_exhaustive()
    }
}

impl TokenKey {
    pub(crate) fn new(
        session: &TokenSession,
        handle: ObjectHandle,
        entry: TokenKeyEntry,
    ) -> Result<Self, TokenError> {
        let algorithm = match entry.kind {
            KeyKind::Rsa { .. } => SignatureAlgorithm::RsaPkcs1Sha256,
            KeyKind::P256 => SignatureAlgorithm::EcdsaP256Sha256,
            KeyKind::Other(ref kind) => {
                return Err(TokenError::UnsupportedKey {
                    id: entry.id_hex(),
                    kind: kind.clone(),
                });
            }
        };
        let public_key = entry
            .public_key
            .clone()
            .ok_or_else(|| TokenError::Malformed {
                what: format!("key {}", entry.id_hex()),
                detail: "it has neither a public key object nor a certificate".into(),
            })?;
        Ok(Self {
            session: session.shared(),
            handle,
            entry,
            public_key,
            algorithm,
        })
    }

    /// What the token says about the key (id, label, kind, certificate).
    pub fn entry(&self) -> &TokenKeyEntry {
        &self.entry
    }

    pub fn id(&self) -> &[u8] {
        &self.entry.id
    }
}

impl Signer for TokenKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let device = |e: cryptoki::error::Error| match TokenError::pkcs11("sign", e) {
            TokenError::TokenRemoved(why) => SignError::DeviceLost(format!(
                "the token went away ({why}); insert it again and retry"
            )),
            other => SignError::Device(other.to_string()),
        };
        match self.algorithm {
            SignatureAlgorithm::RsaPkcs1Sha256 => session
                .sign(&Mechanism::Sha256RsaPkcs, self.handle, message)
                .map_err(device),
            SignatureAlgorithm::EcdsaP256Sha256 => {
                let digest = DigestAlgorithm::Sha256.digest(message);
                let raw = session
                    .sign(&Mechanism::Ecdsa, self.handle, &digest)
                    .map_err(device)?;
                ecdsa_signature_der(&raw)
            }
            other => Err(SignError::UnsupportedAlgorithm(other.name().into())),
        }
    }
}
