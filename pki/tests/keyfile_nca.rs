//! The real NCA key files (gokalkan's test files, as NCA issued them).
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::keyfile::{
    KeyFile, KeyFileError, KeyFileKind, Password, Profile, change_password, file_name,
    parse_file_name,
};
use support::{assert_same_algorithms, nca, new_password, openssl_info, qwerty};

#[test]
fn real_nca_files_open_and_match_their_certificates() {
    for name in ["gost1", "gost2"] {
        let file = KeyFile::open(nca(&format!("gokalkan/{name}.p12")), &qwerty()).unwrap();
        assert_eq!(file.profile(), Profile::Nca);
        let pem = std::fs::read(nca(&format!("gokalkan/{name}.cer"))).unwrap();
        let expected = KzCertificate::parse(&pem).unwrap();
        assert_eq!(
            file.require_certificate().unwrap(),
            expected.der(),
            "{name}: the certificate in the key file is the published one"
        );
        // NCA labels the key with its SKI: friendlyName in lower-case hex,
        // localKeyId raw.
        let ski = expected.subject_key_id().unwrap();
        assert_eq!(file.friendly_name(), Some(hex::encode(ski).as_str()));
        assert_eq!(file.local_key_id(), Some(ski));
        // So NCA's file name for it is GOST512_<that hex>.p12.
        let name = file_name(KeyFileKind::Gost512, ski);
        assert_eq!(
            name,
            format!("GOST512_{}.p12", file.friendly_name().unwrap())
        );
        assert_eq!(
            parse_file_name(&name),
            Some((KeyFileKind::Gost512, ski.to_vec()))
        );
        // The private key is a GOST 2015-512 PKCS#8 key.
        let pkcs8 =
            pkcs8::PrivateKeyInfoRef::try_from(file.private_key_pkcs8().as_slice()).unwrap();
        assert_eq!(pkcs8.algorithm.oid.to_string(), "1.2.398.3.10.1.1.2.2");
        assert!(file.chain_der().is_empty());
    }
}

#[test]
fn algorithms_read_are_those_openssl_reports() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["gost1", "gost2"] {
        let path = nca(&format!("gokalkan/{name}.p12"));
        let file = KeyFile::open(&path, &qwerty()).unwrap();
        let protection = file.protection().unwrap();
        // What domain.md says NCA writes...
        assert_eq!(protection.mac, "sha1, Iteration 1024");
        assert_eq!(
            protection.key.as_deref(),
            Some("pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024")
        );
        assert_eq!(
            protection.certificates.as_deref(),
            Some("pbeWithSHA1And40BitRC2-CBC, Iteration 1024")
        );
        // ...and what openssl reads in the same file.
        let info = openssl_info(dir.path(), path.to_str().unwrap(), "Qwerty12", true);
        assert_same_algorithms(protection, &info);
        assert!(info.contains("MAC length: 20, salt length: 20"), "{info}");
    }
}

#[test]
fn wrong_password_and_broken_bytes() {
    let bytes = std::fs::read(nca("gokalkan/gost1.p12")).unwrap();
    for wrong in ["Qwerty13", "qwerty12", "", "Йцукен12"] {
        assert!(
            matches!(
                KeyFile::from_bytes(&bytes, &Password::new(wrong)),
                Err(KeyFileError::WrongPassword)
            ),
            "{wrong:?}"
        );
    }
    let not_pkcs12 = |b: &[u8]| {
        matches!(
            KeyFile::from_bytes(b, &qwerty()),
            Err(KeyFileError::NotPkcs12)
        )
    };
    assert!(not_pkcs12(&[]));
    assert!(not_pkcs12(&bytes[..1]));
    assert!(not_pkcs12(&bytes[..bytes.len() / 2]));
    assert!(not_pkcs12(&bytes[..bytes.len() - 1]));
    assert!(not_pkcs12(b"random bytes, not a key"));
    assert!(not_pkcs12(
        &std::fs::read(nca("gokalkan/gost1.cer")).unwrap()
    ));
    // One flipped bit inside the protected content: the MAC catches it.
    let mut tampered = bytes.clone();
    tampered[600] ^= 0x01;
    assert!(matches!(
        KeyFile::from_bytes(&tampered, &qwerty()),
        Err(KeyFileError::WrongPassword)
    ));
}

#[test]
fn change_password_keeps_the_nca_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gost1.p12");
    std::fs::copy(nca("gokalkan/gost1.p12"), &path).unwrap();
    assert!(matches!(
        change_password(&path, &Password::new("wrong"), &new_password("N3wPassword")),
        Err(KeyFileError::WrongPassword)
    ));
    change_password(&path, &qwerty(), &new_password("N3wPassword")).unwrap();
    assert!(matches!(
        KeyFile::open(&path, &qwerty()),
        Err(KeyFileError::WrongPassword)
    ));
    let file = KeyFile::open(&path, &Password::new("N3wPassword")).unwrap();
    assert_eq!(file.profile(), Profile::Nca);
    assert_eq!(
        file.protection().unwrap().key.as_deref(),
        Some("pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024")
    );
    let original = KeyFile::open(nca("gokalkan/gost1.p12"), &qwerty()).unwrap();
    assert_eq!(file.private_key_pkcs8(), original.private_key_pkcs8());
    assert_eq!(file.certificate_der(), original.certificate_der());
    assert_eq!(file.friendly_name(), original.friendly_name());
    assert_eq!(file.local_key_id(), original.local_key_id());
    // openssl -legacy reads the re-written file the same way.
    let info = openssl_info(dir.path(), "gost1.p12", "N3wPassword", true);
    support::assert_same_algorithms(file.protection().unwrap(), &info);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}
