//! `trust::install` and `trust::remove` against real NSS databases with the
//! real `certutil` (libnss3-tools), judged by `certutil -L` and `-V`.

use qoltanba_layer::tls::{LocalIdentity, NICKNAME_PREFIX};
use qoltanba_layer::trust::{self, NssDb, NssDbKind};
use qoltanba_testkit::nss;

/// Does `db` let the identity's server certificate pass as a TLS server's?
fn leaf_verifies(
    db: &std::path::Path,
    identity: &LocalIdentity,
    scratch: &std::path::Path,
) -> bool {
    nss::server_cert_verifies(db, identity.server_der().as_ref(), scratch)
}

#[test]
fn install_trusts_the_ca_once_replaces_an_old_one_and_remove_takes_it_away() {
    let tmp = tempfile::tempdir().unwrap();
    let identity = LocalIdentity::load_or_create(&tmp.path().join("layer")).unwrap();
    let db = NssDb {
        path: tmp.path().join("home/.pki/nssdb"),
        kind: NssDbKind::Shared,
    };
    // The shared database is made when absent; before trust, the leaf fails.
    trust::install(&identity, &db).unwrap();
    assert!(db.path.join("cert9.db").is_file());
    let listed = nss::listing(&db.path);
    assert!(listed.contains(&identity.ca_nickname()), "{listed}");
    assert!(leaf_verifies(&db.path, &identity, tmp.path()));

    // Again: still one qoltanba CA.
    trust::install(&identity, &db).unwrap();
    assert_eq!(
        trust::qoltanba_nicknames(&db).unwrap(),
        [identity.ca_nickname()]
    );

    // A new identity (the old one expired) replaces the old CA.
    let newer = LocalIdentity::load_or_create(&tmp.path().join("layer2")).unwrap();
    trust::install(&newer, &db).unwrap();
    assert_eq!(
        trust::qoltanba_nicknames(&db).unwrap(),
        [newer.ca_nickname()]
    );
    assert!(!leaf_verifies(&db.path, &identity, tmp.path()));
    assert!(leaf_verifies(&db.path, &newer, tmp.path()));

    assert_eq!(trust::remove(&db).unwrap(), 1);
    assert!(!nss::listing(&db.path).contains(NICKNAME_PREFIX));
    assert!(!leaf_verifies(&db.path, &newer, tmp.path()));
    assert_eq!(trust::remove(&db).unwrap(), 0);
}

#[test]
fn a_given_directory_must_already_be_a_database() {
    let tmp = tempfile::tempdir().unwrap();
    let identity = LocalIdentity::load_or_create(&tmp.path().join("layer")).unwrap();
    let db = NssDb::given(tmp.path().join("nothing-here"));
    let err = trust::install(&identity, &db).unwrap_err();
    assert!(
        matches!(err, trust::TrustError::NotADatabase { .. }),
        "{err}"
    );
    assert!(!db.path.exists());
}

#[test]
fn a_database_without_trust_does_not_verify_the_leaf() {
    let tmp = tempfile::tempdir().unwrap();
    let identity = LocalIdentity::load_or_create(&tmp.path().join("layer")).unwrap();
    let db = tmp.path().join("db");
    nss::create(&db);
    assert!(!leaf_verifies(&db, &identity, tmp.path()));
}
