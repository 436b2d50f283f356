//! A logged-in session on a token: what it holds, its keys as signers, new
//! key pairs made on it, certificates stored on it.

use std::sync::{Arc, Mutex, MutexGuard};

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{
    Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::Session;
use der::Encode;
use der::asn1::OctetString;
use spki::SubjectPublicKeyInfoOwned;

use crate::error::TokenError;
use crate::key::TokenKey;
use crate::module::Token;
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, PublicKeyAlgorithm, p256_spki, rsa_spki};
use qoltanba_pki::keyfile::key_id;
use qoltanba_pki::oid;

/// The kind of a private key on a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyKind {
    Rsa {
        bits: u32,
    },
    P256,
    /// Anything qoltanba does not sign with (another curve, a vendor's GOST
    /// key type), by the token's name for it.
    Other(String),
}

impl KeyKind {
    pub fn name(&self) -> String {
        match self {
            Self::Rsa { bits } => format!("RSA-{bits}"),
            Self::P256 => "ECDSA-P256".into(),
            Self::Other(name) => name.clone(),
        }
    }
}

/// A private key on the token, with its certificate when the token has one.
#[derive(Debug, Clone)]
pub struct TokenKeyEntry {
    /// CKA_ID: the key, its public key and its certificates share it.
    pub id: Vec<u8>,
    pub label: String,
    pub kind: KeyKind,
    /// CKA_EXTRACTABLE (false: the key cannot leave the token).
    pub extractable: Option<bool>,
    /// The public key, from the token's public key object or the certificate.
    pub public_key: Option<SubjectPublicKeyInfoOwned>,
    /// The newest certificate with the key's id whose public key is the key's.
    pub certificate: Option<KzCertificate>,
}

impl TokenKeyEntry {
    pub fn id_hex(&self) -> String {
        hex::encode(&self.id)
    }
}

/// A certificate object on the token.
#[derive(Debug, Clone)]
pub struct TokenCertificate {
    pub id: Vec<u8>,
    pub label: String,
    pub certificate: KzCertificate,
}

/// Everything a token shows after login.
#[derive(Debug, Clone, Default)]
pub struct TokenContents {
    pub keys: Vec<TokenKeyEntry>,
    /// Every certificate, the keys' and the CAs'.
    pub certificates: Vec<TokenCertificate>,
    /// Certificate objects that do not parse as X.509 (written by other
    /// software); counted, not fatal.
    pub unreadable_certificates: usize,
}

/// A logged-in read-write session. Clones and the signers made from it
/// share it; the token logs out when the last one is dropped.
#[derive(Clone)]
pub struct TokenSession {
    token: Token,
    session: Arc<Mutex<Session>>,
}

impl std::fmt::Debug for TokenSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSession")
            .field("token", &self.token.info().label)
            .finish_non_exhaustive()
    }
}

fn attr_bytes(attrs: &[Attribute], which: AttributeType) -> Option<Vec<u8>> {
    attrs.iter().find_map(|a| match (a, which) {
        (Attribute::Id(v), AttributeType::Id)
        | (Attribute::Label(v), AttributeType::Label)
        | (Attribute::Value(v), AttributeType::Value)
        | (Attribute::Modulus(v), AttributeType::Modulus)
        | (Attribute::PublicExponent(v), AttributeType::PublicExponent)
        | (Attribute::EcPoint(v), AttributeType::EcPoint)
        | (Attribute::EcParams(v), AttributeType::EcParams) => Some(v.clone()),
        _ => None,
    })
}

fn attr_key_type(attrs: &[Attribute]) -> Option<KeyType> {
    attrs.iter().find_map(|a| match a {
        Attribute::KeyType(k) => Some(*k),
        _ => None,
    })
}

fn attr_extractable(attrs: &[Attribute]) -> Option<bool> {
    attrs.iter().find_map(|a| match a {
        Attribute::Extractable(b) => Some(*b),
        _ => None,
    })
}

fn label_text(attrs: &[Attribute]) -> String {
    attr_bytes(attrs, AttributeType::Label)
        .map(|l| String::from_utf8_lossy(&l).trim().to_string())
        .unwrap_or_default()
}

/// The DER of the P-256 curve's OID, as CKA_EC_PARAMS carries it.
fn p256_params() -> Vec<u8> {
    oid::SECP256R1
        .to_der()
        .expect("a constant OID always encodes")
}

/// CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 2.40); some
/// tokens give the bare point.
fn ec_point(value: &[u8]) -> Vec<u8> {
    if value.len() == 65 && value[0] == 0x04 {
        return value.to_vec();
    }
    use der::Decode;
    OctetString::from_der(value)
        .map(|o| o.as_bytes().to_vec())
        .unwrap_or_else(|_| value.to_vec())
}

impl TokenSession {
    pub(crate) fn new(token: Token, session: Arc<Mutex<Session>>) -> Self {
        Self { token, session }
    }

    pub fn token(&self) -> &Token {
        &self.token
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn shared(&self) -> Arc<Mutex<Session>> {
        Arc::clone(&self.session)
    }

    fn find(&self, template: &[Attribute]) -> Result<Vec<ObjectHandle>, TokenError> {
        self.lock()
            .find_objects(template)
            .map_err(|e| TokenError::pkcs11("search its objects", e))
    }

    fn attributes(
        &self,
        object: ObjectHandle,
        which: &[AttributeType],
    ) -> Result<Vec<Attribute>, TokenError> {
        self.lock()
            .get_attributes(object, which)
            .map_err(|e| TokenError::pkcs11("read an object's attributes", e))
    }

    /// The token's keys and certificates.
    pub fn contents(&self) -> Result<TokenContents, TokenError> {
        let mut contents = TokenContents::default();
        for handle in self.find(&[Attribute::Class(ObjectClass::CERTIFICATE)])? {
            let attrs = self.attributes(
                handle,
                &[
                    AttributeType::Id,
                    AttributeType::Label,
                    AttributeType::Value,
                ],
            )?;
            let Some(value) = attr_bytes(&attrs, AttributeType::Value) else {
                contents.unreadable_certificates += 1;
                continue;
            };
            match KzCertificate::from_der(&value) {
                Ok(certificate) => contents.certificates.push(TokenCertificate {
                    id: attr_bytes(&attrs, AttributeType::Id).unwrap_or_default(),
                    label: label_text(&attrs),
                    certificate,
                }),
                Err(_) => contents.unreadable_certificates += 1,
            }
        }
        for handle in self.find(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])? {
            let entry = self.key_entry(handle, &contents.certificates)?;
            contents.keys.push(entry);
        }
        contents
            .keys
            .sort_by(|a, b| a.label.cmp(&b.label).then(a.id.cmp(&b.id)));
        Ok(contents)
    }

    fn key_entry(
        &self,
        private: ObjectHandle,
        certificates: &[TokenCertificate],
    ) -> Result<TokenKeyEntry, TokenError> {
        let attrs = self.attributes(
            private,
            &[
                AttributeType::Id,
                AttributeType::Label,
                AttributeType::KeyType,
                AttributeType::Extractable,
            ],
        )?;
        let id = attr_bytes(&attrs, AttributeType::Id).unwrap_or_default();
        let key_type = attr_key_type(&attrs);
        let public_key = self.public_key(&id, private, key_type)?;
        // The key's own certificates: same id and the same public key; the
        // newest first, so a renewed key's certificate wins over the old one.
        let certificate = certificates
            .iter()
            .filter(|c| c.id == id)
            .filter(|c| {
                public_key.as_ref().is_none_or(|k| {
                    let theirs = c.certificate.public_key();
                    theirs.algorithm.oid == k.algorithm.oid
                        && theirs.subject_public_key == k.subject_public_key
                })
            })
            .max_by_key(|c| c.certificate.not_before())
            .map(|c| c.certificate.clone());
        let public_key =
            public_key.or_else(|| certificate.as_ref().map(|c| c.public_key().clone()));
        let algorithm = public_key.as_ref().map(PublicKeyAlgorithm::of);
        let kind = match (key_type, algorithm) {
            (Some(KeyType::RSA), Some(PublicKeyAlgorithm::Rsa { bits })) => KeyKind::Rsa { bits },
            (Some(KeyType::EC), Some(PublicKeyAlgorithm::EcP256)) => KeyKind::P256,
            (_, Some(algorithm)) => KeyKind::Other(algorithm.name()),
            (Some(KeyType::EC), None) => KeyKind::Other("EC (not P-256)".into()),
            (Some(t), None) => KeyKind::Other(t.to_string()),
            (None, None) => KeyKind::Other("unknown".into()),
        };
        Ok(TokenKeyEntry {
            id,
            label: label_text(&attrs),
            kind,
            extractable: attr_extractable(&attrs),
            public_key,
            certificate,
        })
    }

    /// The public key of the private key `private`: RSA's numbers are on
    /// the private key object; an EC point only on the public key object.
    fn public_key(
        &self,
        id: &[u8],
        private: ObjectHandle,
        key_type: Option<KeyType>,
    ) -> Result<Option<SubjectPublicKeyInfoOwned>, TokenError> {
        let malformed = |detail: &str| TokenError::Malformed {
            what: format!("public key {}", hex::encode(id)),
            detail: detail.to_string(),
        };
        let public = self
            .find(&[
                Attribute::Class(ObjectClass::PUBLIC_KEY),
                Attribute::Id(id.to_vec()),
            ])?
            .into_iter()
            .next();
        match key_type {
            Some(KeyType::RSA) => {
                let from = public.unwrap_or(private);
                let attrs = self.attributes(
                    from,
                    &[AttributeType::Modulus, AttributeType::PublicExponent],
                )?;
                match (
                    attr_bytes(&attrs, AttributeType::Modulus),
                    attr_bytes(&attrs, AttributeType::PublicExponent),
                ) {
                    (Some(n), Some(e)) => Ok(Some(rsa_spki(&n, &e).map_err(malformed)?)),
                    _ => Ok(None),
                }
            }
            Some(KeyType::EC) => {
                let Some(public) = public else {
                    return Ok(None);
                };
                let attrs =
                    self.attributes(public, &[AttributeType::EcParams, AttributeType::EcPoint])?;
                let params = attr_bytes(&attrs, AttributeType::EcParams);
                let point = attr_bytes(&attrs, AttributeType::EcPoint);
                match (params, point) {
                    (Some(params), Some(point)) if params == p256_params() => {
                        Ok(Some(p256_spki(&ec_point(&point)).map_err(malformed)?))
                    }
                    // Another curve: listed by its kind, never used.
                    _ => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }

    /// The private key `id` (hex CKA_ID), as a signer.
    pub fn key(&self, id: &[u8]) -> Result<TokenKey, TokenError> {
        let handle = self
            .find(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(id.to_vec()),
            ])?
            .into_iter()
            .next()
            .ok_or_else(|| TokenError::NoKey {
                id: hex::encode(id),
            })?;
        let certificates = self.certificates_with_id(id)?;
        let entry = self.key_entry(handle, &certificates)?;
        TokenKey::new(self, handle, entry)
    }

    /// The key `id` with its certificate: a current key.
    pub fn key_with_certificate(&self, id: &[u8]) -> Result<(TokenKey, KzCertificate), TokenError> {
        let key = self.key(id)?;
        let cert = key
            .entry()
            .certificate
            .clone()
            .ok_or_else(|| TokenError::NoCertificate {
                id: hex::encode(id),
            })?;
        Ok((key, cert))
    }

    fn certificates_with_id(&self, id: &[u8]) -> Result<Vec<TokenCertificate>, TokenError> {
        let mut out = Vec::new();
        for handle in self.find(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::Id(id.to_vec()),
        ])? {
            let attrs = self.attributes(handle, &[AttributeType::Label, AttributeType::Value])?;
            if let Some(certificate) = attr_bytes(&attrs, AttributeType::Value)
                .and_then(|v| KzCertificate::from_der(&v).ok())
            {
                out.push(TokenCertificate {
                    id: id.to_vec(),
                    label: label_text(&attrs),
                    certificate,
                });
            }
        }
        Ok(out)
    }

    /// Generate a key pair of `spec` on the token for `purpose`: a token
    /// object, private, sensitive and never extractable, so the private key
    /// never leaves the token. Its CKA_ID is the SHA-1 of the public key
    /// (RFC 5280's key identifier, as NCA's key files name keys); its label
    /// `qoltanba-PURPOSE-IDPREFIX`.
    pub fn generate(&self, spec: KeySpec, purpose: Purpose) -> Result<TokenKey, TokenError> {
        let (mechanism, mut public, key_type) = match spec {
            KeySpec::Rsa2048 | KeySpec::Rsa3072 => {
                let bits: u64 = if spec == KeySpec::Rsa2048 { 2048 } else { 3072 };
                (
                    Mechanism::RsaPkcsKeyPairGen,
                    vec![
                        Attribute::ModulusBits(bits.into()),
                        Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
                    ],
                    KeyType::RSA,
                )
            }
            KeySpec::P256 => (
                Mechanism::EccKeyPairGen,
                vec![Attribute::EcParams(p256_params())],
                KeyType::EC,
            ),
            other => {
                return Err(TokenError::Unsupported {
                    what: format!("hold {} keys", other.name()),
                    advice: "renew with an RSA or P-256 key, or into key files",
                });
            }
        };
        // A random id until the public key is known; then the key id.
        let mut temporary = [0u8; 16];
        getrandom::fill(&mut temporary).map_err(|e| TokenError::Device {
            operation: "make a key id",
            detail: e.to_string(),
        })?;
        let label = format!("qoltanba-{}", purpose.token());
        public.extend([
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::KeyType(key_type),
            Attribute::Id(temporary.to_vec()),
            Attribute::Label(label.clone().into_bytes()),
        ]);
        let private = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::KeyType(key_type),
            Attribute::Id(temporary.to_vec()),
            Attribute::Label(label.into_bytes()),
        ];
        let (public_handle, private_handle) = self
            .lock()
            .generate_key_pair(&mechanism, &public, &private)
            .map_err(|e| TokenError::pkcs11("generate a key pair", e))?;
        // A key pair that cannot be read back is no use: nothing half-made stays.
        let discard = |e: TokenError| {
            let session = self.lock();
            let _ = session.destroy_object(private_handle);
            let _ = session.destroy_object(public_handle);
            e
        };
        let made = self.key(&temporary).map_err(discard)?;
        let Some(spki) = made.entry().public_key.clone() else {
            return Err(discard(TokenError::Malformed {
                what: "new key".into(),
                detail: "its public key cannot be read".into(),
            }));
        };
        let id = key_id(&spki).to_vec();
        let label = format!("qoltanba-{}-{}", purpose.token(), &hex::encode(&id)[..8]);
        let rename = [
            Attribute::Id(id.clone()),
            Attribute::Label(label.into_bytes()),
        ];
        {
            let session = self.lock();
            // A token that keeps ids fixed keeps the random one; the
            // location records whichever the key has.
            let renamed = session
                .update_attributes(private_handle, &rename)
                .and_then(|()| session.update_attributes(public_handle, &rename));
            if renamed.is_err() {
                drop(session);
                return Ok(made);
            }
        }
        self.key(&id)
    }

    /// Store `cert` (the certificate of key `id`) and its `chain` on the
    /// token as X.509 certificate objects: the key's with the key's id and
    /// label, the CAs' with their own key ids. Certificates already there
    /// are kept, so storing again (a resumed renewal) changes nothing.
    pub fn store_certificate(
        &self,
        id: &[u8],
        cert: &KzCertificate,
        chain: &[KzCertificate],
    ) -> Result<(), TokenError> {
        let label = self
            .key(id)
            .map(|k| k.entry().label.clone())
            .unwrap_or_else(|_| format!("qoltanba-{}", hex::encode(id)));
        self.store_one(id, &label, cert)?;
        for ca in chain {
            let ca_id = key_id(ca.public_key()).to_vec();
            self.store_one(&ca_id, &ca.subject_name(), ca)?;
        }
        Ok(())
    }

    fn store_one(&self, id: &[u8], label: &str, cert: &KzCertificate) -> Result<(), TokenError> {
        let exists = !self
            .find(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::Value(cert.der().to_vec()),
            ])?
            .is_empty();
        if exists {
            return Ok(());
        }
        let tbs = cert.inner().tbs_certificate();
        let encoding = |what: &str, e: der::Error| TokenError::Malformed {
            what: format!("certificate {what}"),
            detail: e.to_string(),
        };
        let subject = tbs.subject().to_der().map_err(|e| encoding("subject", e))?;
        let issuer = tbs.issuer().to_der().map_err(|e| encoding("issuer", e))?;
        let serial = tbs
            .serial_number()
            .to_der()
            .map_err(|e| encoding("serial", e))?;
        self.lock()
            .create_object(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::CertificateType(CertificateType::X_509),
                Attribute::Token(true),
                Attribute::Private(false),
                Attribute::Id(id.to_vec()),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Subject(subject),
                Attribute::Issuer(issuer),
                Attribute::SerialNumber(serial),
                Attribute::Value(cert.der().to_vec()),
            ])
            .map_err(|e| TokenError::pkcs11("store a certificate", e))?;
        Ok(())
    }
}
