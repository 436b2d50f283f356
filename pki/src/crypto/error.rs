//! Why a private key could not be used ([`KeyError`]) and why a signature
//! did not verify ([`VerifyError`]). Their own module because the GOST
//! submodule returns them as well as the RSA/ECDSA code that calls into it.

use der::asn1::ObjectIdentifier;

/// Why a private key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the private key is not valid PKCS#8; the key file may be damaged")]
    Malformed,
    #[error("{0} keys cannot sign here; use a GOST 2015-512, RSA or ECDSA P-256 key")]
    UnsupportedAlgorithm(String),
    #[error("the private key was rejected: {0}")]
    Rejected(String),
    #[error("key generation failed: {0}")]
    Generation(String),
    #[error("the private key is zero or not below the curve order; the key file is damaged")]
    ScalarOutOfRange,
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the signature does not match the data and key")]
    BadSignature,
    #[error(
        "{0} signatures are not supported; qoltanba verifies GOST 2015-512, GOST 2004, RSA and ECDSA"
    )]
    AlgorithmNotSupported(String),
    #[error("unknown signature algorithm {0}")]
    UnknownAlgorithm(ObjectIdentifier),
    #[error("a {signature} signature cannot come from a {key} key")]
    KeyMismatch { signature: String, key: String },
    #[error("the public key is unreadable ({0}); the certificate or request is damaged")]
    MalformedPublicKey(String),
    #[error(
        "the public key is not a point on its curve; the certificate or request is damaged or forged"
    )]
    PointNotOnCurve,
    #[error("the signature is malformed ({0}); the document is damaged")]
    MalformedSignature(String),
    #[error("the signature's r or s lies outside 1..q-1; the document is damaged or forged")]
    SignatureOutOfRange,
}
