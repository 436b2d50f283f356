//! `qoltanba layer trust [--remove]` through the real binary, with a
//! temporary HOME holding a Firefox profile, judged by the real `certutil`.
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

mod support;

use std::path::Path;

use qoltanba_testkit::nss;

/// `qoltanba layer trust ARGS` with `home` as HOME and nothing else
/// pointing at a data directory.
fn trust(home: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    support::qoltanba()
        .env("HOME", home)
        .env_remove("XDG_DATA_HOME")
        .env_remove("QOLTANBA_LAYER_DIR")
        .args(["layer", "trust"])
        .args(args)
        .assert()
}

/// The server certificate the service would present (made by `trust`),
/// DER, converted by openssl.
fn server_der(home: &Path) -> Vec<u8> {
    let current = home.join(".local/share/qoltanba/layer/current");
    let out = support::openssl(&current, &["x509", "-in", "server.pem", "-outform", "DER"]);
    assert!(out.status.success(), "{out:?}");
    out.stdout
}

#[test]
fn trust_installs_the_ca_in_the_shared_database_and_firefox_and_remove_undoes_it() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let firefox = h.join(".mozilla/firefox/abcd1234.default-release");
    nss::create(&firefox);
    let shared = h.join(".pki/nssdb");

    let out = trust(h, &[]).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains(&format!("in {}", shared.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("in {}", firefox.display())),
        "{stdout}"
    );
    // The OS stores are explained, not touched.
    for hint in [
        "update-ca-certificates",
        "update-ca-trust",
        "add-trusted-cert",
        "-addstore Root",
    ] {
        assert!(stdout.contains(hint), "{hint}: {stdout}");
    }
    let server = server_der(h);
    let scratch = tempfile::tempdir().unwrap();
    for db in [&shared, &firefox] {
        assert!(
            nss::listing(db).contains("qoltanba local CA"),
            "{}",
            db.display()
        );
        assert!(nss::server_cert_verifies(db, &server, scratch.path()));
    }

    // Again: the same CA, once.
    trust(h, &[]).success();
    let listed = nss::listing(&shared);
    assert_eq!(listed.matches("qoltanba local CA").count(), 1, "{listed}");
    assert_eq!(server_der(h), server);

    let out = trust(h, &["--remove"]).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("removed: 1 qoltanba CA from"), "{stdout}");
    for db in [&shared, &firefox] {
        assert!(!nss::listing(db).contains("qoltanba local CA"));
        assert!(!nss::server_cert_verifies(db, &server, scratch.path()));
    }
    let out = trust(h, &["--remove"]).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("removed: 0 qoltanba CAs from"), "{stdout}");
}

#[test]
fn without_certutil_trust_says_which_package_to_install() {
    let home = tempfile::tempdir().unwrap();
    let out = support::qoltanba()
        .env("HOME", home.path())
        .env_remove("XDG_DATA_HOME")
        .env_remove("QOLTANBA_LAYER_DIR")
        .env("PATH", home.path().join("no-bin"))
        .args(["layer", "trust"])
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("libnss3-tools"), "{stderr}");
}

#[test]
fn a_given_database_that_is_not_one_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let out = trust(home.path(), &["--nss-db", "/nonexistent/db"]).code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("is not an NSS database"), "{stderr}");
}
