//! Signed messages (login challenge, revocation request): qoltanba's own and
//! openssl's `cms -sign` output verify; altered ones do not.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::{SoftwareKey, VerifyError};
use qoltanba_pki::keyfile::KeyFile;
use qoltanba_pki::signed_message::{SignedMessageError, sign_message, verify_message};
use support::pki::*;
use support::*;
use time::OffsetDateTime;
use time::macros::datetime;

#[test]
fn a_gost_signed_message_round_trips() {
    let file = KeyFile::open(nca("gokalkan/gost1.p12"), &qwerty()).unwrap();
    let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8()).unwrap();
    let cert = KzCertificate::from_der(file.certificate_der().unwrap()).unwrap();
    let at = datetime!(2024-06-01 12:00 UTC);
    let signed = sign_message(b"nonce-123", &key, &cert, at).unwrap();
    let verified = verify_message(&signed).unwrap();
    assert_eq!(verified.content, b"nonce-123");
    assert_eq!(verified.signer.der(), cert.der());
    assert_eq!(verified.signing_time, Some(at));

    // Change the content (it is in the clear): the digest no longer matches.
    let at_content = signed.windows(9).position(|w| w == b"nonce-123").unwrap();
    let mut altered = signed.clone();
    altered[at_content + 8] = b'4';
    assert!(matches!(
        verify_message(&altered),
        Err(SignedMessageError::DigestMismatch)
    ));
    // Flip a byte of the signature (the last 128 bytes).
    let mut forged = signed.clone();
    let n = forged.len();
    forged[n - 5] ^= 1;
    assert!(matches!(
        verify_message(&forged),
        Err(SignedMessageError::BadSignature(VerifyError::BadSignature))
    ));
    assert!(matches!(
        verify_message(b"not cms"),
        Err(SignedMessageError::Malformed)
    ));
    // A key that is not the certificate's is refused before signing.
    let other = qoltanba_pki::crypto::generate(qoltanba_pki::crypto::KeySpec::Gost512).unwrap();
    assert!(matches!(
        sign_message(b"x", &other, &cert, at),
        Err(SignedMessageError::KeyMismatch)
    ));
}

#[test]
fn openssl_signed_messages_verify() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    for (name, alg) in [("rsa", Alg::Rsa), ("ec", Alg::P256)] {
        let (_key, cert) = pki.issue(name, alg, Kind::Auth, &nca_subject(), "20");
        std::fs::write(dir.path().join("nonce"), b"challenge-abc").unwrap();
        for (form, out) in [
            ("DER", format!("{name}.p7s")),
            ("PEM", format!("{name}.pem7")),
        ] {
            openssl_ok(
                dir.path(),
                &[
                    "cms",
                    "-sign",
                    "-binary",
                    "-nodetach",
                    "-in",
                    "nonce",
                    "-signer",
                    &format!("{name}.pem"),
                    "-inkey",
                    &format!("{name}.p8"),
                    "-md",
                    "sha256",
                    "-outform",
                    form,
                    "-out",
                    &out,
                ],
            );
            let bytes = std::fs::read(dir.path().join(&out)).unwrap();
            let verified = verify_message(&bytes).unwrap_or_else(|e| panic!("{name} {form}: {e}"));
            assert_eq!(verified.content, b"challenge-abc");
            assert_eq!(verified.signer.der(), cert.der());
            assert!(verified.signing_time.is_some());
        }
        // Detached: no content to check.
        openssl_ok(
            dir.path(),
            &[
                "cms",
                "-sign",
                "-binary",
                "-in",
                "nonce",
                "-signer",
                &format!("{name}.pem"),
                "-inkey",
                &format!("{name}.p8"),
                "-outform",
                "DER",
                "-out",
                "detached.p7s",
            ],
        );
        let bytes = std::fs::read(dir.path().join("detached.p7s")).unwrap();
        assert!(matches!(
            verify_message(&bytes),
            Err(SignedMessageError::Detached)
        ));
        // Ours verify in openssl too.
        let (key, cert) = pki.issue(&format!("{name}2"), alg, Kind::Auth, &nca_subject(), "21");
        let ours = sign_message(b"hello", &key, &cert, OffsetDateTime::now_utc()).unwrap();
        std::fs::write(dir.path().join("ours.p7s"), &ours).unwrap();
        let out = openssl_ok(
            dir.path(),
            &[
                "cms",
                "-verify",
                "-noverify",
                "-inform",
                "DER",
                "-in",
                "ours.p7s",
            ],
        );
        assert!(out.contains("hello"), "{out}");
    }
}

/// The citizen's documents: attached and detached signatures from our
/// signer verify here and in openssl, and openssl's detached ones verify
/// here with the document beside them.
#[test]
fn documents_sign_attached_and_detached_and_openssl_agrees() {
    use qoltanba_pki::signed_message::{Attachment, sign_document, verify_document};
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let document = b"%PDF-1.7 a contract the citizen signs\n".repeat(100);
    std::fs::write(dir.path().join("doc.pdf"), &document).unwrap();
    for (name, alg) in [("rsa", Alg::Rsa), ("ec", Alg::P256)] {
        let (key, cert) = pki.issue(name, alg, Kind::Sign, &nca_subject(), "30");
        let at = OffsetDateTime::now_utc();

        let attached = sign_document(&document, Attachment::Attached, &key, &cert, at).unwrap();
        assert_eq!(verify_document(&attached, None).unwrap().content, document);
        assert!(matches!(
            verify_document(&attached, Some(&document)),
            Err(SignedMessageError::ContentTwice)
        ));

        let detached = sign_document(&document, Attachment::Detached, &key, &cert, at).unwrap();
        assert!(
            detached.len() < document.len(),
            "the document is not inside"
        );
        let verified = verify_document(&detached, Some(&document)).unwrap();
        assert_eq!(verified.signer.der(), cert.der());
        assert!(matches!(
            verify_document(&detached, None),
            Err(SignedMessageError::ContentMissing)
        ));
        let mut other = document.clone();
        other[3] ^= 1;
        assert!(matches!(
            verify_document(&detached, Some(&other)),
            Err(SignedMessageError::DigestMismatch)
        ));
        // A detached signature never logs anyone in.
        assert!(matches!(
            verify_message(&detached),
            Err(SignedMessageError::Detached)
        ));

        std::fs::write(dir.path().join("attached.p7s"), &attached).unwrap();
        std::fs::write(dir.path().join("detached.p7s"), &detached).unwrap();
        for (file, extra) in [
            ("attached.p7s", &[][..]),
            ("detached.p7s", &["-content", "doc.pdf"][..]),
        ] {
            let mut args = vec![
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                file,
                "-noverify",
                "-out",
                "out.bin",
            ];
            args.extend_from_slice(extra);
            openssl_ok(dir.path(), &args);
            assert_eq!(std::fs::read(dir.path().join("out.bin")).unwrap(), document);
        }

        // openssl's detached signature, checked against the document.
        openssl_ok(
            dir.path(),
            &[
                "cms",
                "-sign",
                "-binary",
                "-in",
                "doc.pdf",
                "-signer",
                &format!("{name}.pem"),
                "-inkey",
                &format!("{name}.p8"),
                "-md",
                "sha256",
                "-outform",
                "DER",
                "-out",
                "theirs.p7s",
            ],
        );
        let theirs = std::fs::read(dir.path().join("theirs.p7s")).unwrap();
        let verified = verify_document(&theirs, Some(&document)).unwrap();
        assert_eq!(verified.signer.der(), cert.der());
    }
}
