//! Chain validation over a three-level ECDSA hierarchy made by the real
//! openssl binary: root → issuing CA → citizen, as NCA's hierarchy is shaped.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::path::Path;

use qoltanba_pki::cert::{ChainError, KzCertificate, Purpose, TrustAnchors, validate};
use time::OffsetDateTime;

use support::openssl_ok;

fn run(dir: &Path, args: &[&str]) {
    openssl_ok(dir, args);
}

fn cert(dir: &Path, name: &str) -> KzCertificate {
    KzCertificate::parse(&std::fs::read(dir.join(name)).unwrap()).unwrap()
}

/// root.pem (self-signed CA), ca.pem (CA signed by root), leaf.pem (SIGN
/// certificate signed by ca), bogus.pem (signed by the leaf, which is no CA).
fn hierarchy(dir: &Path) {
    std::fs::write(dir.join("ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n").unwrap();
    std::fs::write(dir.join("leaf.ext"), "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n").unwrap();
    for k in ["root", "ca", "leaf", "bogus"] {
        run(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &format!("{k}.key"),
            ],
        );
    }
    run(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-subj",
            "/CN=Test Root/C=KZ",
            "-days",
            "30",
            "-out",
            "root.pem",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    run(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "ca.key",
            "-subj",
            "/CN=Test Issuing CA/C=KZ",
            "-out",
            "ca.csr",
        ],
    );
    run(
        dir,
        &[
            "x509", "-req", "-in", "ca.csr", "-CA", "root.pem", "-CAkey", "root.key", "-days",
            "20", "-extfile", "ca.ext", "-out", "ca.pem",
        ],
    );
    run(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/CN=ТЕСТОВ ТЕСТ/SN=ТЕСТОВ/serialNumber=IIN900101300811/C=KZ/GN=ТЕСТОВИЧ",
            "-utf8",
            "-out",
            "leaf.csr",
        ],
    );
    run(
        dir,
        &[
            "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-days", "10",
            "-extfile", "leaf.ext", "-out", "leaf.pem",
        ],
    );
    run(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "bogus.key",
            "-subj",
            "/CN=Bogus",
            "-out",
            "bogus.csr",
        ],
    );
    run(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "bogus.csr",
            "-CA",
            "leaf.pem",
            "-CAkey",
            "leaf.key",
            "-days",
            "5",
            "-out",
            "bogus.pem",
        ],
    );
}

#[test]
fn three_level_ecdsa_chain() {
    let dir = tempfile::tempdir().unwrap();
    hierarchy(dir.path());
    let (root, ca, leaf, bogus) = (
        cert(dir.path(), "root.pem"),
        cert(dir.path(), "ca.pem"),
        cert(dir.path(), "leaf.pem"),
        cert(dir.path(), "bogus.pem"),
    );
    let now = OffsetDateTime::now_utc();
    let anchors = TrustAnchors::new(vec![root.clone()]);

    let path = validate(
        &leaf,
        std::slice::from_ref(&ca),
        &anchors,
        now,
        Some(Purpose::Sign),
    )
    .unwrap();
    assert_eq!(
        path.iter().map(|c| c.der().to_vec()).collect::<Vec<_>>(),
        [leaf.der(), ca.der(), root.der()]
    );
    assert!(leaf.holder().iin.as_ref().unwrap().is_valid());

    // Without the intermediate the root cannot be reached.
    assert!(matches!(
        validate(&leaf, &[], &anchors, now, None),
        Err(ChainError::UnknownIssuer { .. })
    ));
    // The leaf expires after 10 days, before the CA and root do.
    let later = now + time::Duration::days(15);
    assert!(matches!(
        validate(&leaf, std::slice::from_ref(&ca), &anchors, later, None),
        Err(ChainError::Expired { .. })
    ));
    // A certificate "issued" by an end-entity key is refused.
    assert!(matches!(
        validate(&bogus, &[ca, leaf], &anchors, now, None),
        Err(ChainError::IssuerNotCa { .. })
    ));
}
