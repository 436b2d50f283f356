//! Card key material in the shapes the rest of qoltanba uses: the card's
//! public key templates as SubjectPublicKeyInfo, signature inputs
//! (DigestInfo for RSA, the bare hash for ECDSA) and outputs (the card's
//! r ‖ s as a DER ECDSA-Sig-Value).

use der::asn1::{BitString, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, Encode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::profile::CardAlgorithm;
use super::tlv;
use qoltanba_pki::crypto::p256_spki;
use qoltanba_pki::oid;

/// Why a key or signature from the card is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardKeyError {
    #[error("the card's public key is malformed: {0}")]
    MalformedPublicKey(String),
    #[error("the card's signature is malformed: {0}")]
    MalformedSignature(String),
}

#[derive(Sequence)]
struct RsaPublicKeyAsn1<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

#[derive(Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

#[derive(Sequence)]
struct DigestInfo<'a> {
    algorithm: AlgorithmIdentifierOwned,
    digest: &'a OctetStringRef,
}

/// An RSA SubjectPublicKeyInfo from modulus and exponent bytes.
pub fn rsa_spki(
    modulus: &[u8],
    exponent: &[u8],
) -> Result<SubjectPublicKeyInfoOwned, CardKeyError> {
    let bad = |e: der::Error| CardKeyError::MalformedPublicKey(e.to_string());
    let key = RsaPublicKeyAsn1 {
        modulus: UintRef::new(modulus).map_err(bad)?,
        public_exponent: UintRef::new(exponent).map_err(bad)?,
    }
    .to_der()
    .map_err(bad)?;
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oid::RSA_ENCRYPTION,
            parameters: Some(der::Any::null()),
        },
        subject_public_key: BitString::from_bytes(&key).map_err(bad)?,
    })
}

/// The SPKI in a `7F49` public key template (`81`/`82` RSA, `86` EC).
pub fn spki_from_template(
    template: &[u8],
    algorithm: CardAlgorithm,
) -> Result<SubjectPublicKeyInfoOwned, CardKeyError> {
    let bad = |e: tlv::TlvError| CardKeyError::MalformedPublicKey(e.to_string());
    let (outer, _) = tlv::parse_one(template).map_err(bad)?;
    if outer.tag != 0x7F49 {
        return Err(CardKeyError::MalformedPublicKey(format!(
            "expected a 7F49 template, got tag {:X}",
            outer.tag
        )));
    }
    let objects = outer.children().map_err(bad)?;
    match algorithm {
        CardAlgorithm::Rsa2048 => {
            let n = tlv::find(&objects, 0x81).map_err(bad)?;
            let e = tlv::find(&objects, 0x82).map_err(bad)?;
            // docs/card-profile.md: exactly 256 bytes, unsigned, no sign
            // byte (a leading 00 would make 257).
            if n.len() != RSA_2048_MODULUS_LEN {
                return Err(CardKeyError::MalformedPublicKey(format!(
                    "the RSA-2048 modulus (81) has {} bytes instead of 256 (no sign byte)",
                    n.len()
                )));
            }
            let spki = rsa_spki(n, e)?;
            if rsa_bits(n) != 2048 {
                return Err(CardKeyError::MalformedPublicKey(format!(
                    "an RSA-2048 slot answered a {}-bit modulus",
                    rsa_bits(n)
                )));
            }
            Ok(spki)
        }
        CardAlgorithm::P256 => p256_spki(tlv::find(&objects, 0x86).map_err(bad)?)
            .map_err(|m| CardKeyError::MalformedPublicKey(m.to_owned())),
    }
}

/// The bytes of an RSA-2048 modulus in a `7F49` template (tag `81`).
const RSA_2048_MODULUS_LEN: usize = 256;

fn rsa_bits(n: &[u8]) -> usize {
    let n = match n.iter().position(|b| *b != 0) {
        Some(i) => &n[i..],
        None => return 0,
    };
    n.len() * 8 - n[0].leading_zeros() as usize
}

/// What the card signs for a message hashed to `digest` with SHA-256: a
/// DigestInfo for RSA (the card adds PKCS#1 v1.5 padding), the bare hash for ECDSA.
pub fn signature_input(
    algorithm: CardAlgorithm,
    digest_oid: ObjectIdentifier,
    digest: &[u8],
) -> Vec<u8> {
    match algorithm {
        CardAlgorithm::Rsa2048 => digest_info(digest_oid, digest),
        CardAlgorithm::P256 => digest.to_vec(),
    }
}

/// DER `DigestInfo { algorithm, digest }` with NULL parameters, as PKCS#1 v1.5 wants.
pub fn digest_info(digest_oid: ObjectIdentifier, digest: &[u8]) -> Vec<u8> {
    DigestInfo {
        algorithm: AlgorithmIdentifierOwned {
            oid: digest_oid,
            parameters: Some(der::Any::null()),
        },
        digest: OctetStringRef::new(digest).expect("a digest fits an OCTET STRING"),
    }
    .to_der()
    .expect("a DigestInfo always encodes")
}

/// The card's signature in the encoding certificates use: RSA as is (256
/// bytes), P-256 r ‖ s (32 + 32) as a DER ECDSA-Sig-Value.
pub fn signature_output(algorithm: CardAlgorithm, raw: &[u8]) -> Result<Vec<u8>, CardKeyError> {
    let bad = |m: String| CardKeyError::MalformedSignature(m);
    match algorithm {
        CardAlgorithm::Rsa2048 => {
            if raw.len() != 256 {
                return Err(bad(format!("{} bytes instead of 256", raw.len())));
            }
            Ok(raw.to_vec())
        }
        CardAlgorithm::P256 => {
            if raw.len() != 64 {
                return Err(bad(format!("{} bytes instead of r ‖ s (64)", raw.len())));
            }
            let (r, s) = raw.split_at(32);
            let strip = |x: &[u8]| -> Vec<u8> {
                let i = x.iter().position(|b| *b != 0).unwrap_or(x.len() - 1);
                x[i..].to_vec()
            };
            let (r, s) = (strip(r), strip(s));
            EcdsaSigValue {
                r: UintRef::new(&r).map_err(|e| bad(e.to_string()))?,
                s: UintRef::new(&s).map_err(|e| bad(e.to_string()))?,
            }
            .to_der()
            .map_err(|e| bad(e.to_string()))
        }
    }
}

/// The modulus of an RSA SPKI (to compare against what a kz-idcard slot
/// reports; that card gives only the modulus).
pub fn rsa_modulus(spki: &SubjectPublicKeyInfoOwned) -> Option<Vec<u8>> {
    if spki.algorithm.oid != oid::RSA_ENCRYPTION {
        return None;
    }
    let key = RsaPublicKeyAsn1::from_der(spki.subject_public_key.raw_bytes()).ok()?;
    Some(key.modulus.as_bytes().to_vec())
}

impl qoltanba_l10n::Localize for CardKeyError {
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::MalformedPublicKey(detail) => {
                Text::new("error-card-key-malformed-public").arg("detail", detail)
            }
            Self::MalformedSignature(detail) => {
                Text::new("error-card-key-malformed-signature").arg("detail", detail)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qoltanba_pki::crypto::{
        KeySpec, PublicKeyAlgorithm, SignatureAlgorithm, Signer, generate, verify_signature,
    };

    #[test]
    fn rsa_template_becomes_the_same_spki_as_the_key() {
        let key = generate(KeySpec::Rsa2048).unwrap();
        let n = rsa_modulus(key.public_key()).unwrap();
        let template = tlv::encode(
            0x7F49,
            &[tlv::encode(0x81, &n), tlv::encode(0x82, &[1, 0, 1])].concat(),
        );
        let spki = spki_from_template(&template, CardAlgorithm::Rsa2048).unwrap();
        assert_eq!(&spki, key.public_key());
        assert_eq!(
            PublicKeyAlgorithm::of(&spki),
            PublicKeyAlgorithm::Rsa { bits: 2048 }
        );
        // A short modulus in an RSA-2048 slot is refused.
        let short = tlv::encode(
            0x7F49,
            &[tlv::encode(0x81, &n[..128]), tlv::encode(0x82, &[1, 0, 1])].concat(),
        );
        assert!(spki_from_template(&short, CardAlgorithm::Rsa2048).is_err());
        // The profile's modulus has no sign byte: 00 ‖ n (257 bytes) is
        // refused, though it is the same number.
        assert_eq!(n.len(), 256);
        let signed = tlv::encode(
            0x7F49,
            &[
                tlv::encode(0x81, &[&[0u8][..], &n].concat()),
                tlv::encode(0x82, &[1, 0, 1]),
            ]
            .concat(),
        );
        let err = spki_from_template(&signed, CardAlgorithm::Rsa2048).unwrap_err();
        assert!(
            err.to_string().contains("257 bytes instead of 256"),
            "{err}"
        );
    }

    #[test]
    fn p256_template_and_signature_conversion() {
        let key = generate(KeySpec::P256).unwrap();
        let point = key.public_key().subject_public_key.raw_bytes().to_vec();
        let template = tlv::encode(0x7F49, &tlv::encode(0x86, &point));
        let spki = spki_from_template(&template, CardAlgorithm::P256).unwrap();
        assert_eq!(&spki, key.public_key());
        // Off the curve.
        let mut bad = point.clone();
        bad[64] ^= 1;
        let t = tlv::encode(0x7F49, &tlv::encode(0x86, &bad));
        assert!(spki_from_template(&t, CardAlgorithm::P256).is_err());
        // ring's DER signature → r ‖ s (as a card sends it) → back to DER verifies.
        let message = b"card";
        let der_sig = key.sign(message).unwrap();
        let sig = EcdsaSigValue::from_der(&der_sig).unwrap();
        let mut raw = [0u8; 64];
        let (r, s) = (sig.r.as_bytes(), sig.s.as_bytes());
        raw[32 - r.len()..32].copy_from_slice(r);
        raw[64 - s.len()..].copy_from_slice(s);
        let back = signature_output(CardAlgorithm::P256, &raw).unwrap();
        verify_signature(
            &spki,
            &SignatureAlgorithm::EcdsaP256Sha256.identifier(),
            message,
            &back,
        )
        .unwrap();
        assert!(signature_output(CardAlgorithm::P256, &raw[..63]).is_err());
        assert!(signature_output(CardAlgorithm::Rsa2048, &raw).is_err());
    }

    #[test]
    fn digest_info_is_the_pkcs1_prefix() {
        // The fixed SHA-256 prefix of RFC 8017 §9.2, note 1.
        let di = digest_info(qoltanba_pki::oid::SHA256, &[0xAB; 32]);
        assert_eq!(
            hex::encode(&di[..19]),
            "3031300d060960864801650304020105000420"
        );
        // And SHA-1, as the kz-idcard utility sends it (35 bytes = Lc 23).
        let di = digest_info(qoltanba_pki::oid::SHA1, &[0; 20]);
        assert_eq!(di.len(), 0x23);
        assert_eq!(hex::encode(&di[..15]), "3021300906052b0e03021a05000414");
    }
}
