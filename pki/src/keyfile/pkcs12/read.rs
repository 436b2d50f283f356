//! Reading a PKCS#12 file, NCA's BER layout included.
//!
//! Order of work: decode the PFX (else `NotPkcs12`), verify the MAC (else
//! `WrongPassword`), and only then decrypt; after a good MAC every failure
//! means a damaged file (`Malformed`).

use der::asn1::{BmpString, OctetString};
use der::{Decode, Encode};
use zeroize::Zeroizing;

use super::asn1::{
    BagAttribute, CERT_BAG, CertBag, ContentInfo, EncryptedData, EncryptedPrivateKeyInfo, KEY_BAG,
    Pfx, SHROUDED_KEY_BAG, SafeBag, X509_CERTIFICATE, decode_any, decode_ber,
};
use super::kdf::PasswordBytes;
use super::mac::{self, MacParams};
use super::pbe::{Keys, Scheme};
use super::{KeyFile, Profile, Protection};
use crate::keyfile::KeyFileError;
use crate::oid;

/// A bag's attributes that matter for pairing a key with its certificate.
#[derive(Default)]
struct Labels {
    local_key_id: Option<Vec<u8>>,
    friendly_name: Option<String>,
}

struct Key {
    pkcs8: Zeroizing<Vec<u8>>,
    labels: Labels,
    /// The key's encryption (its own, or that of the content holding it).
    scheme: Option<Scheme>,
}

struct Cert {
    der: Vec<u8>,
    labels: Labels,
}

/// Everything found in the bags, in file order.
#[derive(Default)]
struct Found {
    keys: Vec<Key>,
    certs: Vec<Cert>,
    /// The encryption of the first encrypted content that held certificates.
    certificate_scheme: Option<String>,
}

pub(super) fn read(bytes: &[u8], password: &str) -> Result<KeyFile, KeyFileError> {
    let pfx: Pfx = decode_ber(bytes).map_err(|_| KeyFileError::NotPkcs12)?;
    if pfx.version != 3 {
        return Err(KeyFileError::NotPkcs12);
    }
    match pfx.auth_safe.content_type {
        oid::CT_DATA => {}
        oid::CT_SIGNED_DATA => {
            return Err(KeyFileError::UnsupportedAlgorithm(
                "public-key integrity mode (signedData)".into(),
            ));
        }
        _ => return Err(KeyFileError::NotPkcs12),
    }
    let auth_safe: OctetString = content_as(&pfx.auth_safe).map_err(|_| KeyFileError::NotPkcs12)?;
    let mac_data = pfx.mac_data.as_ref().ok_or(KeyFileError::NoMac)?;
    let mac_params = MacParams::of(mac_data)?;

    // The empty password has two readings in the wild (see PasswordBytes).
    let given = PasswordBytes::new(password);
    let absent = PasswordBytes::empty_absent();
    let password = if mac::verifies(mac_data, &mac_params, &given, auth_safe.as_bytes()) {
        &given
    } else if password.is_empty()
        && mac::verifies(mac_data, &mac_params, &absent, auth_safe.as_bytes())
    {
        &absent
    } else {
        return Err(KeyFileError::WrongPassword);
    };

    // The MAC held, so from here on a failure means a damaged file.
    let mut keys = Keys::new(password);
    let contents: Vec<ContentInfo> =
        decode_ber(auth_safe.as_bytes()).map_err(|_| KeyFileError::Malformed)?;
    let mut found = Found::default();
    for info in &contents {
        let (safe_contents, scheme) = open_content(info, &mut keys)?;
        let bags: Vec<SafeBag> = decode_ber(&safe_contents).map_err(|_| KeyFileError::Malformed)?;
        let certs_before = found.certs.len();
        for bag in bags {
            read_bag(bag, scheme.as_ref(), &mut keys, &mut found)?;
        }
        if found.certs.len() > certs_before && found.certificate_scheme.is_none() {
            found.certificate_scheme = scheme.as_ref().map(Scheme::describe);
        }
    }
    assemble(found, mac_params.describe())
}

/// The SafeContents bytes of one ContentInfo of the authenticated safe, and
/// the scheme that encrypted them, if any.
fn open_content(
    info: &ContentInfo,
    keys: &mut Keys<'_>,
) -> Result<(Zeroizing<Vec<u8>>, Option<Scheme>), KeyFileError> {
    match info.content_type {
        oid::CT_DATA => {
            let data: OctetString = content_as(info)?;
            Ok((Zeroizing::new(data.as_bytes().to_vec()), None))
        }
        oid::CT_ENCRYPTED_DATA => {
            let encrypted: EncryptedData = content_as(info)?;
            let scheme = Scheme::from_identifier(&encrypted.content.algorithm)?;
            let ciphertext = encrypted
                .content
                .encrypted_content
                .ok_or(KeyFileError::Malformed)?;
            let plain = scheme.decrypt(keys, ciphertext.as_bytes())?;
            Ok((plain, Some(scheme)))
        }
        // Enveloped (public-key privacy) contents are not used by NCA.
        other => Err(KeyFileError::UnsupportedAlgorithm(format!(
            "content type OID {other}"
        ))),
    }
}

fn read_bag(
    bag: SafeBag,
    content_scheme: Option<&Scheme>,
    keys: &mut Keys<'_>,
    found: &mut Found,
) -> Result<(), KeyFileError> {
    let labels = labels(
        bag.bag_attributes
            .as_ref()
            .map(|a| a.as_slice())
            .unwrap_or_default(),
    );
    match bag.bag_id {
        SHROUDED_KEY_BAG => {
            let info: EncryptedPrivateKeyInfo =
                decode_any(&bag.bag_value).map_err(|_| KeyFileError::Malformed)?;
            let scheme = Scheme::from_identifier(&info.algorithm)?;
            let pkcs8 = scheme.decrypt(keys, info.encrypted_data.as_bytes())?;
            found.keys.push(Key {
                pkcs8,
                labels,
                scheme: Some(scheme),
            });
        }
        KEY_BAG => {
            let pkcs8 = Zeroizing::new(
                bag.bag_value
                    .to_der()
                    .map_err(|_| KeyFileError::Malformed)?,
            );
            found.keys.push(Key {
                pkcs8,
                labels,
                scheme: content_scheme.cloned(),
            });
        }
        CERT_BAG => {
            let cert: CertBag = decode_any(&bag.bag_value).map_err(|_| KeyFileError::Malformed)?;
            if cert.cert_id == X509_CERTIFICATE {
                found.certs.push(Cert {
                    der: cert.cert_value.as_bytes().to_vec(),
                    labels,
                });
            }
        }
        // CRL, secret and nested bags play no part in a key file.
        _ => {}
    }
    Ok(())
}

/// Pair the key with its certificate: the one with the same localKeyId, else
/// the first. The other certificates are the chain.
fn assemble(found: Found, mac: String) -> Result<KeyFile, KeyFileError> {
    let Found {
        keys,
        mut certs,
        certificate_scheme,
    } = found;
    let key = keys.into_iter().next().ok_or(KeyFileError::NoPrivateKey)?;
    let position = certs
        .iter()
        .position(|c| {
            c.labels.local_key_id.is_some() && c.labels.local_key_id == key.labels.local_key_id
        })
        .or(if certs.is_empty() { None } else { Some(0) });
    let certificate = position.map(|i| certs.remove(i));
    let profile = match &key.scheme {
        Some(scheme) if scheme.is_legacy() => Profile::Nca,
        _ => Profile::Modern,
    };
    Ok(KeyFile {
        private_key: key.pkcs8,
        friendly_name: key.labels.friendly_name.or_else(|| {
            certificate
                .as_ref()
                .and_then(|c| c.labels.friendly_name.clone())
        }),
        local_key_id: key.labels.local_key_id,
        certificate: certificate.map(|c| c.der),
        chain: certs.into_iter().map(|c| c.der).collect(),
        profile,
        protection: Some(Protection {
            mac,
            key: key.scheme.as_ref().map(Scheme::describe),
            certificates: certificate_scheme,
        }),
    })
}

fn labels(attributes: &[BagAttribute]) -> Labels {
    let mut labels = Labels::default();
    for attribute in attributes {
        let Some(value) = attribute.values.iter().next() else {
            continue;
        };
        match attribute.id {
            oid::ATTR_LOCAL_KEY_ID => {
                labels.local_key_id = value
                    .decode_as::<OctetString>()
                    .ok()
                    .map(|o| o.as_bytes().to_vec());
            }
            oid::ATTR_FRIENDLY_NAME => {
                labels.friendly_name = value.decode_as::<BmpString>().ok().map(|s| s.to_string());
            }
            _ => {}
        }
    }
    labels
}

fn content_as<T: for<'a> Decode<'a, Error = der::Error>>(
    info: &ContentInfo,
) -> Result<T, KeyFileError> {
    decode_any(info.content.as_ref().ok_or(KeyFileError::Malformed)?)
        .map_err(|_| KeyFileError::Malformed)
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use der::asn1::Any;
    use proptest::prelude::*;

    use super::super::write::{ModernCost, write_with};
    use super::*;

    const PASSWORD: &str = "Qwerty12";

    /// NCA's real key file, built into the test. Unit tests cannot use the
    /// test kit: it links this crate again, and with the `uniffi` feature
    /// the two copies' exported symbols clash at link time.
    fn nca_fixture() -> &'static [u8] {
        include_bytes!("../../../../testdata/nca-test/gokalkan/gost1.p12")
    }

    /// A modern-profile file at a test-sized cost, with a certificate and a
    /// chain certificate (opaque bytes: the writer does not parse them).
    fn modern_cheap() -> &'static [u8] {
        static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
        BYTES.get_or_init(|| {
            let mut file = KeyFile::new(b"pkcs8 key bytes", Some(b"certificate".to_vec()), b"id");
            file.set_chain(vec![b"ca certificate".to_vec()]);
            let cost = ModernCost {
                pbkdf2: 1000,
                mac: 1000,
            };
            write_with(&file, Profile::Modern, PASSWORD, cost).unwrap()
        })
    }

    /// Flip one bit inside the authenticated safe and seal it under a fresh,
    /// valid MAC, so the damage gets past the MAC check.
    fn damaged_behind_good_mac(bytes: &[u8], at: usize, bit: u8) -> Vec<u8> {
        let mut pfx: Pfx = decode_ber(bytes).unwrap();
        let auth_safe: OctetString = content_as(&pfx.auth_safe).unwrap();
        let mut raw = auth_safe.as_bytes().to_vec();
        let at = at % raw.len();
        raw[at] ^= 1 << bit;
        let old = pfx.mac_data.as_ref().unwrap();
        let params = MacParams::of(old).unwrap();
        let password = PasswordBytes::new(PASSWORD);
        pfx.mac_data = Some(mac::make(params.hash, &password, params.iterations, &raw).unwrap());
        pfx.auth_safe = ContentInfo {
            content_type: oid::CT_DATA,
            content: Some(Any::encode_from(&OctetString::new(raw).unwrap()).unwrap()),
        };
        pfx.to_der().unwrap()
    }

    #[test]
    fn modern_files_encrypt_certificates_under_the_keys_derivation() {
        let file = read(modern_cheap(), PASSWORD).unwrap();
        assert_eq!(file.profile(), Profile::Modern);
        assert_eq!(file.private_key_pkcs8().as_slice(), b"pkcs8 key bytes");
        assert_eq!(file.certificate_der(), Some(&b"certificate"[..]));
        assert_eq!(file.chain_der(), &[b"ca certificate".to_vec()]);
        let p = file.protection().unwrap();
        assert_eq!(p.mac, "sha256, Iteration 1000");
        let pbes2 = "PBES2, PBKDF2, AES-256-CBC, Iteration 1000, PRF hmacWithSHA256";
        assert_eq!(p.key.as_deref(), Some(pbes2));
        assert_eq!(p.certificates.as_deref(), Some(pbes2));
    }

    #[test]
    fn a_resealed_file_without_damage_still_opens() {
        // Bit 0 flipped twice is no damage: proves the resealing is sound, so
        // the property below really tests the code behind the MAC.
        let once = damaged_behind_good_mac(nca_fixture(), 100, 0);
        let twice = damaged_behind_good_mac(&once, 100, 0);
        assert!(read(&twice, PASSWORD).is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn damage_behind_a_good_mac_never_panics(
            modern in any::<bool>(),
            at in any::<usize>(),
            bit in 0u8..8,
        ) {
            let original = if modern { modern_cheap() } else { nca_fixture() };
            let bytes = damaged_behind_good_mac(original, at, bit);
            // Damage may be harmless (e.g. inside a certificate), or be
            // reported as damage, an unknown algorithm or a missing key; never
            // as a wrong password, since the MAC held.
            match read(&bytes, PASSWORD) {
                Ok(_)
                | Err(KeyFileError::Malformed)
                | Err(KeyFileError::UnsupportedAlgorithm(_))
                | Err(KeyFileError::NoPrivateKey) => {}
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }
}
