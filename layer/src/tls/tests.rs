use super::*;

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[test]
fn first_use_makes_an_identity_and_later_uses_read_it_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layer");
    let made = LocalIdentity::load_or_create(&dir).unwrap();
    assert!(made.is_new());
    assert!(made.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(fs::read_to_string(made.ca_path()).unwrap(), made.ca_pem());
    let again = LocalIdentity::load_or_create(&dir).unwrap();
    assert!(!again.is_new());
    assert_eq!(again.ca_der(), made.ca_der());
    assert_eq!(again.server_der(), made.server_der());
    assert_eq!(again.ca_nickname(), made.ca_nickname());
    assert!(again.ca_nickname().starts_with(NICKNAME_PREFIX));
    again.server_config().unwrap();
}

#[cfg(unix)]
#[test]
fn the_files_are_private_and_no_ca_key_is_kept() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layer");
    LocalIdentity::load_or_create(&dir).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let current = dir.join(CURRENT);
    let mut names: Vec<_> = fs::read_dir(&current)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [CA_FILE, SERVER_KEY_FILE, SERVER_FILE]);
    for name in &names {
        assert_eq!(mode(&current.join(name)), 0o600, "{name}");
    }
    // One private key on disk, the server's: the CA's was never written.
    let keys = names
        .iter()
        .filter(|n| {
            fs::read_to_string(current.join(n))
                .unwrap()
                .contains("PRIVATE KEY")
        })
        .count();
    assert_eq!(keys, 1);
    // Nothing half-made is left beside `current`.
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layer");
    LocalIdentity::load_or_create(&dir).unwrap();
    let key = dir.join(CURRENT).join(SERVER_KEY_FILE);
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let err = LocalIdentity::load_or_create(&dir).unwrap_err();
    assert!(matches!(err, TlsError::NotPrivate { .. }), "{err}");
}

#[test]
fn damaged_files_are_a_typed_error_not_a_new_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layer");
    LocalIdentity::load_or_create(&dir).unwrap();
    fs::write(dir.join(CURRENT).join(SERVER_FILE), "not a certificate").unwrap();
    let err = LocalIdentity::load_or_create(&dir).unwrap_err();
    assert!(matches!(err, TlsError::Damaged { .. }), "{err}");
    fs::remove_file(dir.join(CURRENT).join(CA_FILE)).unwrap();
    let err = LocalIdentity::load_or_create(&dir).unwrap_err();
    assert!(matches!(err, TlsError::Damaged { .. }), "{err}");
}

#[test]
fn an_expired_identity_is_replaced_by_a_new_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("layer");
    let long_ago = now() - Duration::days(LEAF_VALIDITY_DAYS + 1);
    let old = LocalIdentity::load_or_create_at(&dir, long_ago).unwrap();
    let new = LocalIdentity::load_or_create(&dir).unwrap();
    assert!(new.is_new());
    assert_ne!(new.ca_der(), old.ca_der());
    assert_ne!(new.ca_nickname(), old.ca_nickname());
    assert!(new.not_after() > now());
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn the_validity_stays_under_the_825_day_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let identity = LocalIdentity::load_or_create(tmp.path()).unwrap();
    let (from, to) = validity(identity.server_der(), tmp.path()).unwrap();
    assert!(to - from <= Duration::days(825), "{from} .. {to}");
    assert!(from <= now() && now() < to);
}

/// openssl as the independent judge: the server certificate verifies under
/// the CA for the loopback names, and a certificate for a real site signed
/// by a CA with the same parameters does not (the name constraints hold).
#[test]
fn openssl_accepts_the_loopback_names_and_refuses_a_real_site() {
    let tmp = tempfile::tempdir().unwrap();
    let identity = LocalIdentity::load_or_create(&tmp.path().join("layer")).unwrap();
    let leaf = tmp.path().join("leaf.pem");
    fs::write(&leaf, pem("CERTIFICATE", identity.server_der())).unwrap();
    for (flag, name) in [
        ("-verify_ip", "127.0.0.1"),
        ("-verify_ip", "::1"),
        ("-verify_hostname", "localhost"),
    ] {
        let out = openssl_verify(identity.ca_path(), &leaf, &[flag, name]);
        assert!(out.status.success(), "{name}: {out:?}");
    }
    let out = openssl_verify(identity.ca_path(), &leaf, &["-verify_hostname", "egov.kz"]);
    assert!(!out.status.success(), "{out:?}");

    // A CA made as ours, whose key a thief would need to keep: it still
    // cannot vouch for egov.kz.
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params(now()), &ca_key).unwrap();
    let site_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let names = [SanType::DnsName("egov.kz".try_into().unwrap())];
    let site = leaf_params(now(), &names)
        .signed_by(&site_key, &ca)
        .unwrap();
    let ca_file = tmp.path().join("thief-ca.pem");
    let site_file = tmp.path().join("site.pem");
    fs::write(&ca_file, ca.pem()).unwrap();
    fs::write(&site_file, site.pem()).unwrap();
    let out = openssl_verify(&ca_file, &site_file, &[]);
    assert!(!out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("permitted subtree violation"), "{said}");
    // The same leaf for a loopback name passes: the refusal above is the
    // name constraint, not a broken chain.
    let ok = leaf_params(now(), &loopback_names().unwrap())
        .signed_by(&site_key, &ca)
        .unwrap();
    fs::write(&site_file, ok.pem()).unwrap();
    let out = openssl_verify(&ca_file, &site_file, &[]);
    assert!(out.status.success(), "{out:?}");
}

fn openssl_verify(ca: &Path, leaf: &Path, extra: &[&str]) -> std::process::Output {
    std::process::Command::new("openssl")
        .args(["verify", "-purpose", "sslserver", "-x509_strict", "-CAfile"])
        .arg(ca)
        .args(extra)
        .arg(leaf)
        .output()
        .unwrap()
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[test]
fn a_tls_client_trusting_the_ca_connects_to_127_0_0_1() {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    let tmp = tempfile::tempdir().unwrap();
    let identity = LocalIdentity::load_or_create(tmp.path()).unwrap();
    let config = identity.server_config().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        let mut conn = rustls::ServerConnection::new(config).unwrap();
        let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
        let mut buf = [0u8; 5];
        tls.read_exact(&mut buf).unwrap();
        tls.write_all(&buf).unwrap();
        tls.flush().unwrap();
    });
    let mut roots = rustls::RootCertStore::empty();
    roots.add(identity.ca_der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(client), name).unwrap();
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    tls.write_all(b"hello").unwrap();
    let mut back = [0u8; 5];
    tls.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"hello");
    server.join().unwrap();
}

#[test]
fn every_tls_error_has_its_words_in_three_languages() {
    use qoltanba_l10n::{Locale, Localize, try_render};
    let errors = [
        TlsError::Io {
            action: "create",
            path: "/x".into(),
            reason: "r".into(),
        },
        TlsError::Damaged {
            path: "/x".into(),
            detail: "d".into(),
        },
        TlsError::NotPrivate { path: "/x".into() },
        TlsError::Generate("g".into()),
    ];
    for e in errors {
        for locale in Locale::ALL {
            let said = try_render(locale, &e.text()).unwrap();
            assert!(!said.contains('\n') && said.contains("/x") == e.to_string().contains("/x"));
        }
        assert_eq!(e.localize(Locale::En), e.to_string());
    }
}

/// NSS (Firefox, Chromium on Linux) as the judge too: with a CA of our
/// shape trusted, a certificate it signed for egov.kz does not verify, one
/// for the loopback names does.
#[test]
fn nss_refuses_a_real_site_under_a_ca_of_this_shape() {
    use qoltanba_testkit::nss;
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("nssdb");
    nss::create(&db);
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params(now()), &ca_key).unwrap();
    let ca_file = tmp.path().join("ca.der");
    fs::write(&ca_file, ca.der().as_ref()).unwrap();
    let add = nss::certutil(
        &db,
        &[
            "-A",
            "-n",
            "shape",
            "-t",
            "C,,",
            "-i",
            ca_file.to_str().unwrap(),
        ],
    );
    assert!(add.status.success(), "{add:?}");
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let site = [SanType::DnsName("egov.kz".try_into().unwrap())];
    let site = leaf_params(now(), &site).signed_by(&key, &ca).unwrap();
    assert!(!nss::server_cert_verifies(&db, site.der(), tmp.path()));
    let loopback = leaf_params(now(), &loopback_names().unwrap())
        .signed_by(&key, &ca)
        .unwrap();
    assert!(nss::server_cert_verifies(&db, loopback.der(), tmp.path()));
}
